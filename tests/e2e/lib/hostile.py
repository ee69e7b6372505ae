#!/usr/bin/env python3
"""tests/e2e/lib/hostile.py — a hostile client of a replica's operator API (tests/e2e/replica-api.sh).

  hostile.py status PORT [SRC] [SECONDS]  GET /v1/status from source address SRC (default
                                          127.0.0.1); prints the body; exit 0 on 200 in time
  hostile.py order PORT SN                POST /v1/order of one write with sequence number SN
  hostile.py attack PORT                  malformed bodies, huge lengths, bad query strings,
                                          half-sent and abandoned requests; one line per request,
                                          exit 1 if any got a 5xx, or no answer where one is due
  hostile.py hold PORT N                  open N connections, send half a request on each, print
                                          "held N" and keep them open until stdin closes
Loopback only: every address is 127.0.0.x."""
import resource
import socket
import struct
import sys
import time


def connect(port, src="127.0.0.1", timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def exchange(port, raw, timeout=5.0, src="127.0.0.1"):
    """Send raw bytes, read the answer to the end; returns (status or None, body bytes)."""
    s = connect(port, src, timeout)
    try:
        try:
            s.sendall(raw)
        except OSError:
            pass  # the server may answer (413) and close before it has read everything
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if not data.startswith(b"HTTP/1."):
        return None, data
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def request(method, target, body=b"", headers=None, length=None):
    h = ["%s %s HTTP/1.1" % (method, target), "Host: 127.0.0.1", "Connection: close"]
    if length is None:
        length = len(body)
    if method == "POST" or body:
        h.append("Content-Length: %d" % length)
    h += headers or []
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


def batch(reqs):
    b = b"CDRQ" + struct.pack(">I", len(reqs))
    for sn, kind, ups in reqs:
        b += struct.pack(">QQBI", sn, sn * 100, kind, len(ups))
        for k, v in ups:
            b += struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v
    return b


def cmd_status(port, src="127.0.0.1", seconds="5"):
    code, body = exchange(port, request("GET", "/v1/status"), float(seconds), src)
    sys.stdout.write(body.decode(errors="replace") + "\n")
    return 0 if code == 200 else 1


def cmd_order(port, sn):
    sn = int(sn)
    code, body = exchange(port, request("POST", "/v1/order", batch([(sn, 1, [(b"k", b"v%d" % sn)])])))
    sys.stdout.write("%s %s\n" % (code, body[:200]))
    return 0 if code == 200 else 1


def cmd_attack(port):
    # (what, raw request, the statuses allowed; None in the set: the server may drop it unanswered)
    cases = [
        ("order: empty body", request("POST", "/v1/order"), {400}),
        ("order: one byte", request("POST", "/v1/order", b"x"), {400}),
        ("order: bad magic", request("POST", "/v1/order", b"XDRQ\0\0\0\1"), {400}),
        ("order: count 2^32-1", request("POST", "/v1/order", b"CDRQ\xff\xff\xff\xff"), {400}),
        ("order: key of 4 GiB", request("POST", "/v1/order", b"CDRQ\0\0\0\1" + struct.pack(">QQBI", 2, 1, 1, 1) + b"\xff\xff\xff\xffk"), {400}),
        ("order: unknown kind", request("POST", "/v1/order", batch([(2, 9, [])])), {400}),
        ("order: 2^32-1 updates", request("POST", "/v1/order", b"CDRQ\0\0\0\1" + struct.pack(">QQBI", 2, 1, 1, 0xffffffff)), {400}),
        ("order: random bytes", request("POST", "/v1/order", bytes(range(256)) * 16), {400}),
        ("order: wrong sn", request("POST", "/v1/order", batch([(1, 1, [(b"k", b"again")])])), {409}),
        ("order: 300 MB announced, 10 sent", request("POST", "/v1/order", b"CDRQ\0\0\0\0xx", length=300 << 20), {413, None}),
        ("order: 2^63 announced", request("POST", "/v1/order", b"CDRQ", length=(1 << 63) - 1), {413, None}),
        ("order: chunk of 2^64-1 bytes", b"POST /v1/order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nCDRQ", {400, 413, None}),
        ("order: bad chunk size", b"POST /v1/order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nCDRQ\r\n0\r\n\r\n", {400, None}),
        ("disk: 100 KiB body", request("POST", "/v1/disk", b"{" + b" " * (100 << 10) + b"}"), {413}),
        ("disk: not JSON", request("POST", "/v1/disk", b"{\"volumeSize\": "), {400}),
        ("disk: negative", request("POST", "/v1/disk", b"{\"volumeSize\": -1}"), {400}),
        ("disk: deep nesting", request("POST", "/v1/disk", b"[" * 20000 + b"]" * 20000), {400}),
        ("blocks: no query", request("GET", "/v1/blocks"), {400}),
        ("blocks: bad escapes", request("GET", "/v1/blocks?from=%&count=%zz"), {400}),
        ("blocks: NUL", request("GET", "/v1/blocks?from=1%00&count=1"), {400}),
        ("blocks: sign and space", request("GET", "/v1/blocks?from=+1&count=%201"), {400}),
        ("blocks: overflow", request("GET", "/v1/blocks?from=99999999999999999999&count=1"), {400}),
        ("blocks: the largest", request("GET", "/v1/blocks?from=18446744073709551615&count=18446744073709551615"), {200}),
        ("blocks: 1000 arguments", request("GET", "/v1/blocks?" + "&".join("a%d=%d" % (i, i) for i in range(1000))), {400, 414, 431, None}),
        ("a 200 KB URL", request("GET", "/v1/status?" + "x" * 200000), {200, 414, 431, None}),
        ("a 100 KB header", request("GET", "/v1/status", headers=["X-Big: " + "y" * 100000]), {200, 431, None}),
        ("GET with a body", request("GET", "/v1/status", b"x" * 1000), {200, None}),
        ("unknown method", request("BREW", "/v1/status"), {405, 501, None}),
        ("unknown endpoint", request("POST", "/v1/nothing", b"x" * 5000), {404, 413}),
        ("not HTTP", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 500, {400, None}),
        ("HTTP/0.9", b"GET /v1/status\r\n\r\n", {400, 505, None}),
    ]
    bad = 0
    for what, raw, allowed in cases:
        try:
            code, body = exchange(port, raw, 10.0)
        except socket.timeout:
            code, body = "timeout", b""
        ok = code in allowed
        bad += not ok
        print("%s %s: %s %s" % ("ok" if ok else "BAD", what, code, body[:80]))
    # Half-sent and abandoned: headers cut short, a body cut short, then the sockets closed or reset.
    for i in range(50):
        s = connect(port)
        s.sendall([b"GET /v1/sta", b"POST /v1/order HTTP/1.1\r\nContent-Length: 100\r\n\r\nCDRQ",
                   b"POST /v1/disk HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"volu"][i % 3])
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        s.close()
    print("ok 50 half-sent requests abandoned")
    return 1 if bad else 0


def cmd_hold(port, n):
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    socks, refused, end = [], 0, time.monotonic() + 20
    for i in range(n):
        if time.monotonic() > end:  # a server that no longer accepts: connects hang
            refused += n - i
            break
        try:
            s = connect(port, timeout=2.0)
            s.sendall(b"POST /v1/order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            socks.append(s)
        except OSError:
            refused += 1  # over the limits the server closes at once
    print("held %d (%d refused at once)" % (n, refused), flush=True)
    sys.stdin.read()  # until the test closes our stdin
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    cmds = {"status": cmd_status, "order": cmd_order, "attack": cmd_attack, "hold": cmd_hold}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:]))
