#!/usr/bin/env python3
"""How soon the live stream pushes what was committed: CLIENTS streams of GET /api/v1/live.

  live.py URL CA_FILE SECONDS CLIENTS      (the bearer token in $TOKEN_READ: a manager sees every event)

Each stream reads Server-Sent Events for SECONDS; for every event it notes how long after the
event's `occurredAt` (the time the dispatcher decided it, a moment before its commit) it arrived —
the same host's clock on both sides. Prints the count and p50/p90/p99/max over every stream.
"""
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from datetime import datetime


def follow(url, context, seconds, token, delays, lock):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=seconds + 5)
    connection.request("GET", "/api/v1/live", headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    if response.status != 200:
        print(f"the live stream answered {response.status}", file=sys.stderr)
        return
    deadline = time.time() + seconds
    mine = []
    while time.time() < deadline:
        line = response.readline()
        if not line:
            break
        if line.startswith(b"data: {"):
            occurred = json.loads(line[6:])["occurredAt"]
            then = datetime.fromisoformat(occurred.replace("Z", "+00:00")).timestamp()
            mine.append(time.time() - then)
    connection.close()
    with lock:
        delays.extend(mine)


def main():
    url, ca_file, seconds, clients = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    context = ssl.create_default_context(cafile=ca_file)
    delays, lock = [], threading.Lock()
    threads = [
        threading.Thread(target=follow, args=(url, context, seconds, os.environ["TOKEN_READ"], delays, lock))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not delays:
        print("live: no events arrived")
        return
    delays.sort()

    def at(fraction):
        return delays[min(len(delays) - 1, int(fraction * len(delays)))] * 1000

    print(f"live: {len(delays)} events pushed to {clients} streams; from decision to arrival "
          f"p50 {at(0.5):.0f} ms  p90 {at(0.9):.0f} ms  p99 {at(0.99):.0f} ms  max {delays[-1] * 1000:.0f} ms")


main()
