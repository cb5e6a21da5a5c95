"""``python -m borderflow``: the same as the ``borderflow`` command."""

from .cli import command

raise SystemExit(command())
