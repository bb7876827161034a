"""How fast the machine was while the bench ran, to tell a slow phase of the VM from a slow
change: the same fixed piece of Python timed at the start and at the end, and the share of
CPU time the hypervisor gave to others meanwhile (steal, from /proc/stat). On this 2-core VM
the same loop has taken twice as long from one minute to the next."""

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

PROBE_LOOPS = 3_000_000


def probe_ms(times: int = 5) -> float:
    """The median time of a fixed pure-Python loop, in ms."""

    def once() -> float:
        started = time.perf_counter()
        total = 0
        for n in range(PROBE_LOOPS):
            total += n
        return (time.perf_counter() - started) * 1000

    return statistics.median(once() for _ in range(times))


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """The machine's CPU time so far, in ticks: all of it, and what was stolen."""

    total: int
    steal: int

    def steal_percent_since(self, before: "CpuTimes") -> float:
        elapsed = self.total - before.total
        return 100 * (self.steal - before.steal) / elapsed if elapsed > 0 else 0.0


def cpu_times(stat: str | None = None) -> CpuTimes | None:
    """From the `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal
    ...); None where there is no such file."""
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text()
        except OSError:
            return None
    for line in stat.splitlines():
        name, *fields = line.split()
        if name == "cpu":
            ticks = [int(field) for field in fields[:8]]  # guest time is counted in user
            return CpuTimes(sum(ticks), ticks[7] if len(ticks) > 7 else 0)
    return None
