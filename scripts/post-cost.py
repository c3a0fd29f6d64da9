#!/usr/bin/env python3
"""Server CPU per sent message for a browser-like client, one post at a time.

    scripts/post-cost.py <natter binary> <posts>

Starts the server on a free loopback port with an empty data directory, signs
up, makes a room, then sends <posts> messages over one keep-alive connection
with the Accept-Encoding a browser sends, and prints the server's CPU (utime +
stime from /proc) per post. `natter-bench send` measures throughput under load
without that header; this measures what a browser's answer costs (BENCHMARKS.md
Round 7: the compression of small answers).
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

BROWSER = {"accept-encoding": "gzip, deflate, br, zstd"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_cpu_secs(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(port):
    for _ in range(250):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("GET", "/api/v1/health")
            c.getresponse().read()
            return c
        except OSError:
            time.sleep(0.02)
    sys.exit("the server did not answer within 5 s")


def call(c, method, path, body, headers):
    c.request(method, path, json.dumps(body), {"content-type": "application/json", **headers})
    r = c.getresponse()
    return r, r.read()


def main():
    binary, posts = sys.argv[1], int(sys.argv[2])
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{port}", "--data-dir", data, "--rate-limits", "false"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            c = connect(port)
            r, _ = call(c, "POST", "/api/v1/users", {"username": "zed"}, {})
            auth = {"cookie": r.getheader("set-cookie").split(";")[0]}
            _, room = call(c, "POST", "/api/v1/rooms", {"name": "g", "kind": "public"}, auth)
            room = json.loads(room)["room"]["id"]
            cpu, start, encoding = server_cpu_secs(server.pid), time.time(), None
            for i in range(posts):
                body = {"body": f"hello number {i}", "client_id": f"c{i}"}
                r, _ = call(c, "POST", f"/api/v1/rooms/{room}/messages", body, {**auth, **BROWSER})
                if r.status != 201:
                    sys.exit(f"post {i} was answered {r.status}")
                encoding = r.getheader("content-encoding")
            cpu, took = server_cpu_secs(server.pid) - cpu, time.time() - start
            print(
                f"{os.path.basename(binary)}: {posts} posts, server {1e6 * cpu / posts:.0f} µs CPU"
                f" per post, {posts / took:.0f}/s, answers' content-encoding: {encoding or 'none'}"
            )
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
