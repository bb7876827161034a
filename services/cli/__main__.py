"""`python -m services.cli ...` is `jasa ...` (for subprocesses that need no script on PATH)."""

from services.cli import main

main()
