"""Resident memory of a whole process group (the dyno's processes and their children), from /proc.

Heroku counts every process in the dyno against its quota (R14), so we sum RSS over the group,
not just the first process.
"""

from __future__ import annotations

import os
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
PROC = Path("/proc")


def _stat_fields(pid: str) -> list[str] | None:
    try:
        raw = (PROC / pid / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    return raw[raw.rfind(")") + 2 :].split()


def group_pids(pgid: int) -> list[int]:
    """Every live process whose process group is `pgid` (zombies excluded)."""
    out = []
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        # after the name: state(0) ppid(1) pgrp(2)
        if fields and len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(entry.name))
    return out


def rss_bytes(pid: int) -> int:
    try:
        fields = (PROC / str(pid) / "statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * PAGE if len(fields) > 1 else 0


def group_rss_bytes(pgid: int) -> int:
    return sum(rss_bytes(pid) for pid in group_pids(pgid))


def groups_rss_bytes(pgids: set[int]) -> dict[int, int]:
    """RSS per process group for several groups, from one pass over /proc (sampling each group on
    its own would read every process's stat once per group)."""
    totals = dict.fromkeys(pgids, 0)
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields and len(fields) > 2 and fields[0] != "Z":
            pgrp = int(fields[2])
            if pgrp in totals:
                totals[pgrp] += rss_bytes(int(entry.name))
    return totals
