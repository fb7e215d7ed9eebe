"""`python -m bench.e2e`: see bench/e2e/cli.py."""

from .cli import main

main()
