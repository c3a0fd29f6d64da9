#!/usr/bin/env python3
"""What a reaction costs the server next to a message, in a room with live
listeners (issue 16): sends N messages, then N reaction changes (add and
remove in turn, each a real change and so a room event fanned out to every
listener), one at a time over one keep-alive connection, and reports the
acknowledgement latency and the server's CPU time per operation (from
/proc/PID/stat). Loopback only; bounded by N.

Usage: reaction-cost.py http://127.0.0.1:PORT SERVER_PID ROOM_ID [N]
Run it while listeners are subscribed to ROOM_ID (natter-bench idle
--rooms 1 holds them; see BENCHMARKS.md).
"""

import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
import uuid


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def main():
    base, pid, room = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    url = urllib.parse.urlparse(base)
    assert url.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    conn = http.client.HTTPConnection(url.hostname, url.port)

    def call(method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("Set-Cookie") or "", data

    name = f"cost{uuid.uuid4().hex[:8]}"
    status, cookie, _ = call("POST", "/api/v1/users", {"username": name})
    assert status == 201, status
    token = cookie.split("natter_session=", 1)[1].split(";", 1)[0]
    status, _, _ = call("POST", f"/api/v1/rooms/{room}/join", {}, token)
    assert status in (200, 204), status

    def timed(label, op):
        lat = []
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        for i in range(n):
            s = time.perf_counter()
            status = op(i)
            lat.append(time.perf_counter() - s)
            assert status in (200, 201), (label, status)
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
        lat.sort()
        print(
            f"{label:9} n={n} ops/s={n / wall:8.0f} ack p50={lat[n // 2] * 1e3:6.2f} ms "
            f"p99={lat[int(n * 0.99)] * 1e3:6.2f} ms mean={statistics.mean(lat) * 1e3:6.2f} ms "
            f"server CPU/op={cpu / n * 1e6:7.0f} us"
        )

    def send(i):
        return call("POST", f"/api/v1/rooms/{room}/messages",
                    {"body": f"message {i} " + "x" * 48, "client_id": str(uuid.uuid4())}, token)[0]

    timed("messages", send)
    status, _, data = call("GET", f"/api/v1/rooms/{room}/messages?limit=1", None, token)
    seq = json.loads(data)["messages"][-1]["seq"]
    emoji = urllib.parse.quote("👍")
    path = f"/api/v1/rooms/{room}/messages/{seq}/reactions/{emoji}"
    timed("reactions", lambda i: call("PUT" if i % 2 == 0 else "DELETE", path, None, token)[0])


if __name__ == "__main__":
    main()
