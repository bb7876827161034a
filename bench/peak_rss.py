"""`python -m bench.peak_rss OUT COMMAND...`: run COMMAND and write its peak RSS, in KiB,
to the file OUT; exit with its exit code.

A process cannot take the peak RSS of a command it starts itself with wait4: on Linux, exec
keeps the high-water mark of the memory it replaces, and a child started by vfork (as
subprocess does) replaces its parent's. So a command started by the bench reported the
bench's own peak whenever that was higher (a do-nothing child of a parent that once held
300 MB: 313 MB). Started from this small process instead, the figure is the command's own,
give or take this process's few MB."""

import os
import subprocess
import sys
from pathlib import Path


def main(arguments: list[str]) -> int:
    if len(arguments) < 2:
        print("usage: python -m bench.peak_rss OUT COMMAND...", file=sys.stderr)
        return 2
    out, command = Path(arguments[0]), arguments[1:]
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    out.write_text(f"{usage.ru_maxrss}\n")  # KiB on Linux
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
