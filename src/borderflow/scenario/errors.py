"""Errors in scenario files, reported the way a user can act on them.

Every problem found in a file is collected (not only the first) and printed as
``file:line:col: key.path: what is wrong``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InputError

Path = tuple[str | int, ...]
"""A key path into the scenario data: map keys and list indexes."""


def format_path(path: Path) -> str:
    """Write a key path the way users type it: ``stages.primary.lanes.general.open[3]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario: where it is and what is wrong."""

    file: str
    line: int | None
    column: int | None
    path: Path
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.path:
            return f"{where}: {format_path(self.path)}: {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(InputError):
    """A scenario (or experiment) file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario:"
        return "\n".join([head, *(str(p) for p in self.problems)])
