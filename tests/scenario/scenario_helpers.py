"""What the scenario tests share: the problems a file is refused with, and the one at a key."""

from __future__ import annotations

import pytest

from borderflow.scenario import Problem, ScenarioError, load_scenario
from borderflow.scenario.errors import format_path


def problems_of(path) -> list[Problem]:
    """The problems ``path`` is refused with (it must be refused)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    return info.value.problems


def at(problems: list[Problem], key_path: str) -> Problem:
    """The one problem reported at ``key_path``."""
    found = [p for p in problems if format_path(p.path) == key_path]
    assert len(found) == 1, f"expected one problem at {key_path}, got {[str(p) for p in problems]}"
    return found[0]
