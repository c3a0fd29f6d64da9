#!/usr/bin/env python3
"""Server CPU per sent message for a browser-like client, one post at a time.

    scripts/post-cost.py <natter binary> <posts>

Starts the server on a free port with an empty data directory, signs up, makes
a room, then sends <posts> messages over one keep-alive connection with the
Accept-Encoding a browser sends, and prints the server's CPU (utime + stime
from /proc) per post. `natter-bench send` measures throughput under load
without that header; this measures what a browser's answer costs (Round 7 of
BENCHMARKS.md: the compression of small answers).
"""
import http.client, json, os, subprocess, sys, tempfile, time, socket
binary = sys.argv[1]; n = int(sys.argv[2])
d = tempfile.mkdtemp()
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
p = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--data-dir", d, "--rate-limits", "false"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(200):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", "/api/v1/health"); c.getresponse().read(); break
    except OSError: time.sleep(0.02)
h = {"content-type": "application/json"}
c.request("POST", "/api/v1/users", json.dumps({"username": "zed"}), h); r = c.getresponse(); r.read()
cookie = r.getheader("set-cookie").split(";")[0]
h = {"content-type": "application/json", "cookie": cookie, "accept-encoding": "gzip, deflate, br, zstd"}
c.request("POST", "/api/v1/rooms", json.dumps({"name": "g", "kind": "public"}), {k: v for k, v in h.items() if k != "accept-encoding"}); r = c.getresponse(); room = json.loads(r.read())["room"]["id"]
def cpu():
    f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
c0 = cpu(); t0 = time.time(); enc = None
for i in range(n):
    c.request("POST", f"/api/v1/rooms/{room}/messages", json.dumps({"body": f"hello number {i}", "client_id": f"c{i}"}), h)
    r = c.getresponse(); r.read(); enc = r.getheader("content-encoding")
    assert r.status == 201, r.status
c1 = cpu(); t1 = time.time()
print(f"{os.path.basename(binary)}: {n} posts, server {1e6*(c1-c0)/n:.0f} µs CPU per post, {n/(t1-t0):.0f}/s, content-encoding {enc}")
p.terminate(); p.wait()
