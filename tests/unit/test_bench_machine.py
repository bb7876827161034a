"""The bench's record of how fast the machine was: the probe's time and the stolen share."""

from bench.machine import CpuTimes, cpu_times, memory_probe_ms, probe_ms

STAT = """cpu  44566 0 9045 87775 505 0 769 55 0 0
cpu0 22000 0 4500 43000 250 0 400 30 0 0
intr 123 0
"""


def test_the_cpu_line_gives_total_and_stolen_ticks() -> None:
    times = cpu_times(STAT)
    assert times == CpuTimes(total=44566 + 9045 + 87775 + 505 + 769 + 55, steal=55)


def test_the_stolen_share_is_of_the_ticks_in_between() -> None:
    before = CpuTimes(total=1000, steal=10)
    assert CpuTimes(total=1400, steal=50).steal_percent_since(before) == 10.0
    assert before.steal_percent_since(before) == 0.0  # no time passed: nothing stolen


def test_a_stat_without_a_cpu_line_gives_nothing() -> None:
    assert cpu_times("intr 1 2\n") is None


def test_the_probes_time_their_work() -> None:
    assert 0 < probe_ms(times=1) < 60_000
    assert 0 < memory_probe_ms(times=1, rows=1000) < 60_000
