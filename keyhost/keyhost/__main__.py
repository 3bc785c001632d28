"""Run keyhost as python -m keyhost."""

from .cli import main

raise SystemExit(main())
