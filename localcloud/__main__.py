"""Entry point of `python3 -m localcloud` (called by scripts/local-cloud)."""

from localcloud.cli import main

raise SystemExit(main())
