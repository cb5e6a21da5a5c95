"""``python -m borderflow``: the same as the ``borderflow`` command."""

from .cli import main

raise SystemExit(main())
