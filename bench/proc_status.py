"""A process's memory as Linux reports it in /proc/PID/status: the benches' one reader."""

from __future__ import annotations

from pathlib import Path


def status_kb(field: str, pid: int | str = "self") -> int:
    """Field `field` of /proc/PID/status in KB (VmRSS, VmHWM, RssAnon, ...); 0 when the process or the
    field is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
