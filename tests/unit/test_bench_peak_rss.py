"""`bench.peak_rss` reports a command's own peak RSS, not its parent's: a process that once
held a lot makes every child it starts report at least that much, unless started from
`bench.peak_rss`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss as Linux counts it")

MB = 2**20
ALLOCATE = "import sys; held = b'x' * (int(sys.argv[1]) * 2**20); print(len(held))"


def peak_mb_through_bench(tmp_path: Path, *command: str) -> tuple[int, float]:
    out = tmp_path / "peak"
    code = subprocess.call([sys.executable, "-m", "bench.peak_rss", str(out), *command])
    return code, int(out.read_text()) / 1024


def test_a_command_reports_its_own_peak_not_its_parents(tmp_path: Path) -> None:
    held = b"x" * (300 * MB)  # this process's high-water mark is now 300 MB or more
    del held
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    _, _, usage = os.wait4(child.pid, 0)
    assert usage.ru_maxrss / 1024 >= 300  # the naive measure: the parent's peak
    code, peak = peak_mb_through_bench(tmp_path, sys.executable, "-c", "pass")
    assert code == 0
    assert peak < 100  # an interpreter that does nothing


def test_a_command_that_holds_memory_reports_it(tmp_path: Path) -> None:
    code, peak = peak_mb_through_bench(tmp_path, sys.executable, "-c", ALLOCATE, "150")
    assert code == 0
    assert 150 <= peak < 250


def test_the_exit_code_is_the_commands(tmp_path: Path) -> None:
    code, _ = peak_mb_through_bench(tmp_path, sys.executable, "-c", "raise SystemExit(3)")
    assert code == 3
    usage = subprocess.run(
        [sys.executable, "-m", "bench.peak_rss", str(tmp_path / "peak")], capture_output=True
    )
    assert usage.returncode == 2
    assert b"usage" in usage.stderr
