#!/usr/bin/python3
"""tests/e2e/lib/webdriver.py — a minimal W3C WebDriver client (stdlib only) for report-html.sh.

Starts chromedriver on 127.0.0.1 in its own process group (its pgid is written to PGID_FILE so
the calling script can kill the group whatever happens), opens headless chromium on file:// pages
and answers the script's questions, one per line on stdin, one JSON answer per line on stdout:

  open URL                    navigate; answer {"ok": true}
  count CSS                   number of elements matching CSS
  texts CSS                   visible text of each element matching CSS
  attrs CSS NAME              attribute NAME of each element matching CSS
  logs                        the browser's console entries, and every URL requested since the
                              last `open` (chromium's own chrome:// pages excepted)
  screenshot PATH [TOP HEIGHT] the whole page (or a band of it) as PNG, through DevTools
  quit                        close the browser and stop chromedriver

Usage: webdriver.py CHROMIUM CHROMEDRIVER PROFILE_DIR PGID_FILE LOG_FILE
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, chromium, chromedriver, profile, pgid_file, log_file):
        self.port = free_port()
        self.log = open(log_file, "ab")
        self.proc = subprocess.Popen(
            [chromedriver, "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
            stdout=self.log, stderr=self.log, start_new_session=True)
        with open(pgid_file, "w") as f:
            f.write("%d\n" % self.proc.pid)
        self.base = "http://127.0.0.1:%d" % self.port
        self.wait_ready()
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--user-data-dir=" + profile, "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                         "--force-device-scale-factor=1"]},
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def wait_ready(self):
        # Poll chromedriver's status until it answers (never a fixed sleep); give up after 60 s.
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/status", timeout=5) as r:
                    if json.load(r)["value"].get("ready"):
                        return
            except (OSError, ValueError, KeyError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromedriver did not start (see its log)")
            time.sleep(0.05)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %s" % (method, path, e.read()[:600].decode(errors="replace")))

    def s(self, path):
        return "/session/%s%s" % (self.sid, path)

    def find(self, css):
        els = self.call("POST", self.s("/elements"), {"using": "css selector", "value": css})
        return [list(e.values())[0] for e in els]

    def cdp(self, cmd, params):
        return self.call("POST", self.s("/goog/cdp/execute"), {"cmd": cmd, "params": params})

    def answer(self, line):
        words = line.split(" ", 2)
        op = words[0]
        if op == "open":
            # what the browser fetched before (its own start page) is not the page's doing
            self.call("POST", self.s("/se/log"), {"type": "performance"})
            self.call("POST", self.s("/url"), {"url": line[5:]})
            return {"ok": True}
        if op == "count":
            return len(self.find(line[6:]))
        if op == "texts":
            return [self.call("GET", self.s("/element/%s/text" % e)) for e in self.find(line[6:])]
        if op == "attrs":
            css, name = line[6:].rsplit(" ", 1)
            return [self.call("GET", self.s("/element/%s/attribute/%s" % (e, name)))
                    for e in self.find(css)]
        if op == "logs":
            console = self.call("POST", self.s("/se/log"), {"type": "browser"})
            urls = []
            for entry in self.call("POST", self.s("/se/log"), {"type": "performance"}):
                msg = json.loads(entry["message"])["message"]
                # chromium's own start page (chrome://new-tab-page...) loads its resources in
                # the background whatever the test does: only requests made for another
                # document count
                if (msg.get("method") == "Network.requestWillBeSent" and
                        not msg["params"].get("documentURL", "").startswith("chrome://")):
                    urls.append(msg["params"]["request"]["url"])
            return {"console": console, "urls": urls}
        if op == "screenshot":
            m = self.cdp("Page.getLayoutMetrics", {})
            size = m.get("cssContentSize") or m["contentSize"]
            top, height = 0, size["height"]
            if len(words) == 3:  # "screenshot PATH TOP HEIGHT": a band of the page
                top, height = (int(w) for w in words[2].split())
            shot = self.cdp("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": top, "width": size["width"], "height": height,
                         "scale": 1}})
            with open(words[1], "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            return {"ok": True, "width": size["width"], "height": size["height"]}
        raise RuntimeError("unknown request: " + line)

    def quit(self):
        try:
            self.call("DELETE", self.s(""))
        except Exception:
            pass
        stop_group(self.proc.pid)
        self.proc.wait()


def stop_group(pgid):
    """SIGTERM the whole group (chromedriver and the browser it started), then wait until no
    process of it is left, with SIGKILL after 10 s."""
    deadline = time.monotonic() + 10
    sig = signal.SIGTERM
    while True:
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        time.sleep(0.05)
        try:
            os.waitpid(-pgid, os.WNOHANG)  # reap our own child if it is the one left
        except ChildProcessError:
            pass
        if not alive_in_group(pgid):
            return


def alive_in_group(pgid):
    """Whether a process of the group is still running (zombies waiting to be reaped are not)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def main():
    chromium, chromedriver, profile, pgid_file, log_file = sys.argv[1:6]
    d = Driver(chromium, chromedriver, profile, pgid_file, log_file)
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line == "quit":
                break
            try:
                out = {"value": d.answer(line)}
            except Exception as e:  # the script shows what went wrong; the session goes on
                out = {"error": str(e)}
            print(json.dumps(out), flush=True)
    finally:
        d.quit()


if __name__ == "__main__":
    main()
