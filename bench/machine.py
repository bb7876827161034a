"""How fast the machine was while the bench ran, to tell a slow phase of the VM from a slow
change: the same fixed pieces of Python timed at the start and at the end, and the share of
CPU time the hypervisor gave to others meanwhile (steal, from /proc/stat).

Two pieces, because this 2-core VM slows down in two ways. A tight loop over small integers
has taken twice as long from one minute to the next. And work over a larger heap, what the
services do, slows down while that loop keeps its speed: one night replay's CPU per event
went from 116 to 180-215 us on the same code in an hour, the loop at 110-120 ms throughout,
while the memory piece here took 334 to 547 ms within ten minutes."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

PROBE_LOOPS = 3_000_000


def probe_ms(times: int = 5) -> float:
    """The median time of a fixed pure-Python loop, in ms."""

    def once() -> None:
        total = 0
        for n in range(PROBE_LOOPS):
            total += n

    return _median_ms(once, times)


def memory_probe_ms(times: int = 5, rows: int = 200_000) -> float:
    """The median time of making, sorting and copying through JSON a few hundred thousand
    small dicts (tens of MB of heap), in ms."""

    def once() -> None:
        made = [
            {"id": f"dossier-{n}", "n": n, "name": "Rina Marlina " * 3, "at": str(n * 7919)}
            for n in range(rows)
        ]
        made.sort(key=lambda row: row["at"])
        orjson.loads(orjson.dumps(made))

    return _median_ms(once, times)


def _median_ms(work: Callable[[], None], times: int) -> float:
    def timed() -> float:
        started = time.perf_counter()
        work()
        return (time.perf_counter() - started) * 1000

    return statistics.median(timed() for _ in range(times))


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
