"""Run keyhost as python -m keyhost."""

from .cli import main

main()
