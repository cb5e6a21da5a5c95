"""Fixtures shared by the test suites: the example scenario and writing YAML text to files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture
def example_path() -> Path:
    """The small example scenario shipped with the project."""
    return SCENARIOS / "example.yaml"


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text (dedented, so it may be indented in the test) to a file in tmp_path.

    Call as ``write_yaml(text)`` or ``write_yaml(text, "name.yaml")``; returns the path. The
    first line of ``text`` is line 1 of the file, so line numbers in tests can be counted.
    """

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
