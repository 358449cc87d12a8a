"""Memory a request needs, checked against what the machine has before allocating it.

The estimates are measured, not derived (docs/scale.md): the joint simulation behind
``attain`` and ``reports`` peaks at about 140 bytes per path and simulated series (cluster
times indicator) on top of a 400 MB base; ``forecast`` allocates about 16 h**2 bytes for a
horizon of h steps (horizon-by-horizon matrices) on top of a 300 MB base. A request that
needs more than 80% of the available memory is refused with exit 2 and the largest size
that fits, instead of dying in the middle (MemoryError, the OOM killer).
"""

from __future__ import annotations

import os

from .exceptions import UserError

__all__ = ["available_bytes", "check_memory", "simulation_bytes", "forecast_bytes",
           "max_paths", "SHARE"]

SHARE = 0.8  # of the available memory one request may use
_SIM_BASE, _SIM_PER_VALUE, _SIM_PER_MONTHLY = 400e6, 140.0, 48.0
_FC_BASE, _FC_PER_H2, _FC_PER_ROW = 300e6, 16.0, 200.0


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            current = int(fh.read().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def _address_space_room() -> int | None:
    """Room left under ``ulimit -v`` (RLIMIT_AS), when one is set."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    used = 0
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - used)


def available_bytes() -> int | None:
    """Memory this process can still use: the least of the machine's available memory,
    the cgroup's room and the room under ``ulimit -v``; None when none is known."""
    known = [v for v in (_meminfo("MemAvailable"), _cgroup_room(), _address_space_room())
             if v is not None]
    if not known and os.name == "posix":
        try:
            known = [os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")]
        except (OSError, ValueError):
            known = []
    return min(known) if known else None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def check_memory(need: float, what: str, hint: str = "") -> None:
    """Raise ``UserError`` (exit 2) when ``need`` bytes exceed the share one request may
    use of the available memory."""
    room = available_bytes()
    if room is None or need <= SHARE * room:
        return
    raise UserError(f"{what} needs about {_gb(need)} of memory; this machine has "
                    f"{_gb(room)} available{'; ' + hint if hint else ''}")


def simulation_bytes(n_paths: int, n_series: int, monthly: bool = False) -> float:
    """Peak memory of a joint simulation and its assessment (measured, see above)."""
    per = _SIM_PER_VALUE + (_SIM_PER_MONTHLY if monthly else 0.0)
    return _SIM_BASE + float(n_paths) * n_series * per


def max_paths(n_series: int, monthly: bool = False) -> int | None:
    """The most paths that fit in memory now (None when memory is unknown)."""
    room = available_bytes()
    if room is None:
        return None
    per = n_series * (_SIM_PER_VALUE + (_SIM_PER_MONTHLY if monthly else 0.0))
    return max(0, int((SHARE * room - _SIM_BASE) / max(per, 1.0)))


def forecast_bytes(h: int, n_series: int, n_levels: int = 2) -> float:
    """Peak memory of ``forecast`` for horizon ``h`` (measured, see above)."""
    return _FC_BASE + _FC_PER_H2 * float(h) ** 2 + _FC_PER_ROW * n_series * h * (1 + n_levels)
