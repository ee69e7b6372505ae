#!/usr/bin/python3
"""tests/e2e/lib/webdriver.py — a minimal W3C WebDriver client (stdlib only) for report-html.sh.

Starts chromedriver on 127.0.0.1 in its own process group (its pgid is written to PGID_FILE so
the calling script can kill the group whatever happens), opens headless chromium on file:// pages
and answers the script's questions, one per line on stdin, one JSON answer per line on stdout:

  open URL                    navigate; answer {"ok": true}
  count CSS                   number of elements matching CSS
  texts CSS                   visible text of each element matching CSS
  attrs CSS NAME              attribute NAME of each element matching CSS
  css CSS PROPERTY            the computed value of a CSS property of each element matching CSS
  rects CSS                   {x, y, width, height} of each element matching CSS
  logs                        the browser's console entries, and every URL the open page's own
                              document or its subresources requested (not what the browser
                              fetched for itself: its new-tab page, updates, ...)
  screenshot PATH [TOP HEIGHT] the whole page (or a band of it) as PNG, through DevTools
  quit                        close the browser and stop chromedriver

Usage: webdriver.py CHROMIUM CHROMEDRIVER PROFILE_DIR PGID_FILE LOG_FILE
       webdriver.py --self-test     check page_requests() on recorded DevTools events, no browser
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


# Chromium as a test harness starts it: a fresh profile (PROFILE_DIR, made empty by the caller), no
# first-run page, no default apps or component updates, no background networking or pings, no
# sync, extensions, translate or media router: the browser itself should fetch nothing. Whatever
# it still fetches is told apart from the page's own requests by page_requests().
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--window-size=1280,1000", "--hide-scrollbars", "--force-device-scale-factor=1",
    "--no-first-run", "--no-default-browser-check", "--disable-default-apps",
    "--disable-component-update", "--disable-background-networking", "--disable-sync",
    "--disable-extensions", "--disable-component-extensions-with-background-pages",
    "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings",
    "--disable-breakpad", "--metrics-recording-only", "--safebrowsing-disable-auto-update",
    "--password-store=basic", "--use-mock-keychain",
    "--disable-features=Translate,MediaRouter,OptimizationHints,NtpRealboxMatchSearchboxTheme",
]


def page_requests(events, frames):
    """The URLs the page itself asked for: DevTools Network.requestWillBeSent events (the
    `message` of chromedriver's performance log) made for a document of the page's frame tree
    (frames: [(frameId, loaderId)] from Page.getFrameTree). What the browser loads for itself
    (its new-tab page, chrome-untrusted://new-tab-page/one-google-bar, updates) belongs to no
    document of the page and is left out, whatever its scheme."""
    docs = set(frames)
    urls = []
    for msg in events:
        if msg.get("method") != "Network.requestWillBeSent":
            continue
        p = msg.get("params", {})
        if (p.get("frameId"), p.get("loaderId")) in docs:
            urls.append(p["request"]["url"])
    return urls


def foreign_requests(urls):
    """What a self-contained page must never ask for: anything but file: and data: (http, https,
    ws, chrome:, blob: of another origin, ...)."""
    return [u for u in urls if not (u.startswith("file://") or u.startswith("data:"))]


def frame_docs(tree):
    """(frameId, loaderId) of every frame in a Page.getFrameTree answer."""
    out = [(tree["frame"]["id"], tree["frame"]["loaderId"])]
    for child in tree.get("childFrames", []):
        out += frame_docs(child)
    return out


def self_test():
    page = ("F1", "L2")
    ev = lambda frame, loader, url, doc: {"method": "Network.requestWillBeSent", "params": {
        "frameId": frame, "loaderId": loader, "documentURL": doc, "request": {"url": url}}}
    events = [
        # what a first-run chromium loads before and beside the page: not the page's doing
        ev("F1", "L1", "chrome://new-tab-page/", "chrome://new-tab-page/"),
        ev("F9", "L9", "chrome-untrusted://new-tab-page/one-google-bar?paramsencoded=",
           "chrome-untrusted://new-tab-page/one-google-bar?paramsencoded="),
        ev("F1", "L1", "https://www.google.com/async/newtab_promos", "chrome://new-tab-page/"),
        # the page and what it asks for
        ev("F1", "L2", "file:///r/report.html", "file:///r/report.html"),
        ev("F1", "L2", "data:image/png;base64,AA", "file:///r/report.html"),
        ev("F1", "L2", "http://127.0.0.1:9/x.png", "file:///r/report.html"),
        {"method": "Network.responseReceived", "params": {"frameId": "F1", "loaderId": "L2"}},
    ]
    urls = page_requests(events, [page])
    want = ["file:///r/report.html", "data:image/png;base64,AA", "http://127.0.0.1:9/x.png"]
    bad = foreign_requests(urls)
    ok = urls == want and bad == ["http://127.0.0.1:9/x.png"]
    tree = {"frame": {"id": "F1", "loaderId": "L2"},
            "childFrames": [{"frame": {"id": "F3", "loaderId": "L3"}}]}
    ok = ok and frame_docs(tree) == [("F1", "L2"), ("F3", "L3")]
    print(json.dumps({"ok": ok, "urls": urls, "foreign": bad}))
    return 0 if ok else 1


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
                "args": CHROMIUM_ARGS + ["--user-data-dir=" + profile]},
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
            events = [json.loads(e["message"])["message"]
                      for e in self.call("POST", self.s("/se/log"), {"type": "performance"})]
            frames = frame_docs(self.cdp("Page.getFrameTree", {})["frameTree"])
            urls = page_requests(events, frames)
            return {"console": console, "urls": urls, "foreign": foreign_requests(urls)}
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
        if op == "css":
            css, name = line[4:].rsplit(" ", 1)
            return [self.call("GET", self.s("/element/%s/css/%s" % (e, name)))
                    for e in self.find(css)]
        if op == "rects":
            return [self.call("GET", self.s("/element/%s/rect" % e)) for e in self.find(line[6:])]
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
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
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
