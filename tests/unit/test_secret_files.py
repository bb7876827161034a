"""First-run secrets: of processes starting at once, exactly one's secret wins and all read it."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from shared.secret_files import read_or_create

RACE = """
import os, sys, time
from pathlib import Path
from shared.secret_files import read_or_create
start = float(sys.argv[2])
while time.time() < start:
    pass
mine = f"secret of {os.getpid()}".encode()
sys.stdout.write(read_or_create(Path(sys.argv[1]), lambda: mine).decode())
"""


def test_processes_starting_at_once_all_read_the_one_secret_that_won(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret"
    start = str(time.time() + 1.0)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(path), start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    read = {racer.communicate(timeout=30)[0] for racer in racers}
    assert len(read) == 1
    (secret,) = read
    assert secret.startswith("secret of ")
    assert path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["secret"]  # no draft left behind


def test_a_secret_once_written_is_never_made_again(tmp_path: Path) -> None:
    path = tmp_path / "key"
    assert read_or_create(path, lambda: b"first") == b"first"
    assert read_or_create(path, lambda: b"second") == b"first"
