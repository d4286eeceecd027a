"""``python -m renditions``: the crop engine's command line (see engine.cli)."""
from renditions.engine.cli import main

raise SystemExit(main())
