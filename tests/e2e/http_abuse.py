"""Hostile HTTP against a running `demine serve`: request smuggling and
parsing leniencies, head limits, security headers, HEAD, slow-loris from
one client address, and expensive anonymous requests. Prints one line per
check ("ok   ..." / "FAIL ..."); exits 1 if any failed.

usage: http_abuse.py PORT [--slow N] [--head-timeout S]

The hostile clients connect from 127.0.0.2 (a loopback address of its own,
so that the per-client limits see them as one client); the probes come
from 127.0.0.1, as every other client would.
"""
import json
import socket
import statistics
import sys
import threading
import time
import urllib.request

PORT = int(sys.argv[1])
SLOW = int(sys.argv[sys.argv.index("--slow") + 1]) if "--slow" in sys.argv else 300
HEAD_TIMEOUT = (
    int(sys.argv[sys.argv.index("--head-timeout") + 1]) if "--head-timeout" in sys.argv else 3
)
failed = 0


def ok(name):
    print("ok   " + name, flush=True)


def fail(name):
    global failed
    failed += 1
    print("FAIL " + name, flush=True)


def check(name, cond, detail=""):
    (ok if cond else fail)(name + (f" ({detail})" if detail else ""))


def connect(source="127.0.0.1", timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", PORT))
    return s


def read_all(s):
    """Everything the server sends until it closes (or 3 s of silence)."""
    s.settimeout(3.0)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def raw(request):
    s = connect()
    s.sendall(request)
    data, closed = read_all(s)
    s.close()
    return data, closed


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def responses(data):
    return data.count(b"HTTP/1.1 ")


def body_json(data):
    try:
        return json.loads(data.split(b"\r\n\r\n", 1)[1])
    except (IndexError, ValueError):
        return None


H = b"Host: 127.0.0.1\r\n"

# --- smuggling and parsing leniencies (RFC 9112) ---
smuggled = (
    b"POST /collections HTTP/1.1\r\n" + H +
    b"Content-Length: 43\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"0\r\n\r\nGET /collections/accidents HTTP/1.1\r\n" + H + b"\r\n"
)
data, closed = raw(smuggled)
check("Content-Length with Transfer-Encoding: 400, one answer, connection closed",
      status_of(data) == 400 and responses(data) == 1 and closed,
      f"status {status_of(data)}, {responses(data)} answers, closed {closed}")

data, closed = raw(b"POST /auth/token HTTP/1.1\r\n" + H +
                   b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nuser=x")
check("two different Content-Lengths: 400 and closed", status_of(data) == 400 and closed,
      f"status {status_of(data)}")

data, closed = raw(b"POST /auth/token HTTP/1.1\r\n" + H +
                   b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n")
check("'Transfer-Encoding :' (space before the colon): 400", status_of(data) == 400,
      f"status {status_of(data)}")

data, closed = raw(b"GET /collections HTTP/1.1\r\nConnection: close\r\n\r\n")
check("HTTP/1.1 without Host: 400", status_of(data) == 400, f"status {status_of(data)}")

data, closed = raw(b"GET /collections HTTP/1.1\r\n" + H + H + b"Connection: close\r\n\r\n")
check("two Host headers: 400", status_of(data) == 400, f"status {status_of(data)}")

data, closed = raw(b"GET /ui/index.html%00.js HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
check("/ui/index.html%00.js is not index.html: 400",
      status_of(data) == 400 and b"<html" not in data.lower(), f"status {status_of(data)}")

data, closed = raw(b"GET /collections/hazards%0d%0aX:y HTTP/1.1\r\n" + H +
                   b"Connection: close\r\n\r\n")
check("an encoded CR LF in the path: 400", status_of(data) == 400, f"status {status_of(data)}")

data, closed = raw(b"GET /collections?" + b"a" * 9000 + b"=1 HTTP/1.1\r\n" + H +
                   b"Connection: close\r\n\r\n")
doc = body_json(data)
check("a 9 kB target: 414 as problem JSON",
      status_of(data) == 414 and b"application/problem+json" in data and doc and
      doc.get("status") == 414, f"status {status_of(data)}")

data, closed = raw(b"GET /collections HTTP/1.1\r\n" + H +
                   b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 1000) for i in range(40)) +
                   b"Connection: close\r\n\r\n")
doc = body_json(data)
check("a 40 kB head: 431 as problem JSON",
      status_of(data) == 431 and b"application/problem+json" in data and doc and
      doc.get("status") == 431, f"status {status_of(data)}")

# --- HEAD, security headers ---
def fetch(path, method="GET", headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


st, hd, body = fetch("/collections")
st2, hd2, body2 = fetch("/collections", "HEAD")
check("HEAD: the GET's status and Content-Length, no body",
      st2 == st and hd2.get("Content-Length") == str(len(body)) and body2 == b"",
      f"GET {len(body)} bytes, HEAD Content-Length {hd2.get('Content-Length')}")

st, hd, body = fetch("/ui/")
if st == 200:
    csp = hd.get("Content-Security-Policy", "")
    check("the UI page: CSP with script-src 'self' and frame-ancestors 'none'",
          "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and
          "'unsafe-eval'" not in csp and "script-src 'self' 'unsafe-inline'" not in csp, csp[:80])
    check("the UI page: X-Frame-Options DENY, nosniff",
          hd.get("X-Frame-Options") == "DENY" and hd.get("X-Content-Type-Options") == "nosniff")
    check("the UI page's inline scripts are allowed by hash",
          body.count(b"<script>") == csp.count("'sha256-"),
          f"{body.count(b'<script>')} inline, {csp.count(chr(39) + 'sha256-')} hashes")
else:
    print(f"skip the UI's headers: no UI built (/ui/ answered {st})")
st, hd, body = fetch("/collections")
check("data answers: CSP default-src 'none', nosniff",
      hd.get("Content-Security-Policy", "").startswith("default-src 'none'") and
      hd.get("X-Content-Type-Options") == "nosniff")


# --- slow-loris from one client address ---
def probe(n=8):
    """Latencies (ms) of n /health requests from 127.0.0.1; None for a failure."""
    out = []
    for _ in range(n):
        t = time.monotonic()
        try:
            s = connect(timeout=5.0)
            s.sendall(b"GET /health HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
            data, _ = read_all(s)
            s.close()
            out.append((time.monotonic() - t) * 1e3 if status_of(data) == 200 else None)
        except OSError:
            out.append(None)
        time.sleep(0.05)
    return out


slow = []
refused = 0
for i in range(SLOW):
    try:
        s = connect("127.0.0.2", timeout=2.0)
        s.sendall(b"GET /collections HTTP/1.1\r\n" + H)
        slow.append(s)
    except OSError:
        refused += 1
time.sleep(0.5)
lat = probe()
answered = [x for x in lat if x is not None]
check(f"{SLOW} slow connections from one address: every /health probe from another answered",
      len(answered) == len(lat), f"{len(answered)} of {len(lat)}")
if answered:
    med = statistics.median(answered)
    check("... within 100 ms (median)", med < 100, f"median {med:.1f} ms, max {max(answered):.1f} ms")


def alive(s):
    try:
        s.setblocking(False)
        d = s.recv(1)
        return False if d == b"" else True
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


time.sleep(0.3)
open_now = sum(1 for s in slow if alive(s))
check("at most 32 connections kept for one client address", open_now <= 32,
      f"{open_now} of {SLOW} open, {refused} refused at connect")
# a header line now and then keeps an idle timer going, not the head's deadline
t0 = time.monotonic()
while time.monotonic() - t0 < HEAD_TIMEOUT + 2.5:
    for s in slow:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            pass
    time.sleep(0.5)
still = sum(1 for s in slow if alive(s))
check(f"slow heads closed after the head timeout ({HEAD_TIMEOUT} s)", still == 0,
      f"{still} still open")
for s in slow:
    s.close()

# a slow body: its head in time, then a byte a second
s = connect("127.0.0.2")
s.sendall(b"POST /auth/token HTTP/1.1\r\n" + H + b"Content-Length: 100000\r\n\r\n")
closed_at = None
t0 = time.monotonic()
while time.monotonic() - t0 < 16:
    try:
        s.sendall(b"u")
    except OSError:
        closed_at = time.monotonic() - t0
        break
    if not alive(s):
        closed_at = time.monotonic() - t0
        break
    time.sleep(1)
s.close()
check("a body sent at a byte a second is cut after its grace period", closed_at is not None,
      f"closed after {closed_at:.1f} s" if closed_at else "still open after 16 s")

# --- expensive anonymous requests do not starve the rest ---
stop = threading.Event()
made = [0]


def hammer(k):
    i = 0
    while not stop.is_set():
        i += 1
        # a new filter each time: never in the answer cache
        path = (f"/collections/hazards/tiles/WebMercatorQuad/4/5/8?"
                f"filter=code%3C%3E%27X{k}-{i}%27")
        try:
            s = connect("127.0.0.2", timeout=30)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                      .encode())
            read_all(s)
            s.close()
            made[0] += 1
        except OSError:
            pass


threads = [threading.Thread(target=hammer, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
time.sleep(1.0)
lat = probe(10)
st_user = None
t = time.monotonic()
st_user, _, _ = fetch("/collections")
user_ms = (time.monotonic() - t) * 1e3
stop.set()
for t in threads:
    t.join()
answered = [x for x in lat if x is not None]
check("4 clients asking for uncached tiles: every /health probe answered",
      len(answered) == len(lat), f"{len(answered)} of {len(lat)}, {made[0]} tiles made")
if answered:
    med = statistics.median(answered)
    check("... within 100 ms (median)", med < 100,
          f"median {med:.1f} ms, max {max(answered):.1f} ms")
check("... and another client's page answered", st_user == 200, f"{user_ms:.0f} ms")

print(f"{failed} failed")
sys.exit(1 if failed else 0)
