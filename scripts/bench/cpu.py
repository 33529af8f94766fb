#!/usr/bin/env python3
"""CPU seconds used so far by each part of the co-located system (not the load generator), from /proc.

  cpu.py snapshot            prints one JSON object {part: seconds}
  cpu.py per-command BEFORE AFTER COMMANDS
                             prints each part's CPU milliseconds per command between two snapshots

CPU per command is the benchmark's steadiest figure: latency on a shared 2-core machine moves
with whatever else runs, the work a command costs does not.
"""
import json
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")
PARTS = ["ingress", "rabbitmq", "dispatcher", "postgresql", "notifier", "projector"]


def part_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
    except OSError:
        return None
    for name in ("ingress", "dispatcher", "notifier", "projector"):
        if comm.startswith(f"sopz-{name}"[:15]):  # comm is cut at 15 characters
            return name
    return {"beam.smp": "rabbitmq", "postgres": "postgresql"}.get(comm)


def snapshot():
    used = {}
    for entry in os.listdir("/proc"):
        part = part_of(entry) if entry.isdigit() else None
        if part is None:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: reaped children count too (PostgreSQL's ended backends)
        used[part] = used.get(part, 0) + sum(int(x) for x in fields[11:15]) / TICKS
    return used


if sys.argv[1] == "snapshot":
    print(json.dumps(snapshot()))
else:
    before, after, commands = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
    costs = {p: (after.get(p, 0) - before.get(p, 0)) * 1000 / max(commands, 1) for p in PARTS}
    text = ", ".join(f"{p} {costs[p]:.2f}" for p in PARTS)
    print(f"CPU ms per command: {text}; total {sum(costs.values()):.2f}")
