"""Property-based fuzzing of the loader with the shipped scenarios.

Each example takes a shipped scenario (some use ``extends``), breaks it (deletes keys, swaps
value types, truncates the text, duplicates keys, inserts random bytes or deep nesting), and
asserts that loading either succeeds or raises ScenarioError, never another exception and never
a hang. What loads must pass or fail ``check_size`` with a ScenarioError, and must simulate two
hours without trouble. Examples are derandomised, so CI sees the same ones every time.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from borderflow.model import simulate
from borderflow.scenario import ScenarioError, check_size, load_scenario
from borderflow.scenario.errors import Path as KeyPath
from borderflow.scenario.load import parse_yaml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(p.relative_to(SCENARIOS).as_posix() for p in SCENARIOS.glob("**/*.yaml"))

EXAMPLE_SECONDS = 20
"""Longest time one example may take (load, size check and a two-hour replication)."""

SIM_TRAVELLERS = 20_000
"""Mutated scenarios expecting more than this in two hours are checked but not simulated."""

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=EXAMPLE_SECONDS),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped scenarios, so that mutated files sit next to their base files."""
    root = tmp_path_factory.mktemp("fuzz") / "scenarios"
    shutil.copytree(SCENARIOS, root)
    return root


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (rather than hang) when the body takes longer than ``seconds`` (where possible)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def exercise(path: Path) -> None:
    """Load ``path``; whatever loads is size-checked and simulated for two hours."""
    with time_limit(EXAMPLE_SECONDS):
        try:
            scenario = load_scenario(path, max_travellers=None)
        except ScenarioError as exc:
            assert exc.problems and all(str(p) for p in exc.problems)
            return
        try:
            check_size(scenario)
        except ScenarioError as exc:
            assert exc.problems
        short = scenario.model_copy(update={"horizon": 7200.0, "warmup": 0.0, "replications": 1})
        try:
            check_size(short, SIM_TRAVELLERS)
        except ScenarioError:
            return
        result = simulate(short)
        assert result is not None


def key_paths(data: Any, path: KeyPath = ()) -> list[KeyPath]:
    """Every key path of ``data`` (map keys and list indexes), the top level excluded."""
    out: list[KeyPath] = []
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else []
    )
    for key, value in items:
        child = (*path, key)
        out.append(child)
        out.extend(key_paths(value, child))
    return out


def node_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["1e999 h", "-5 min", "0 s", "1e9 d", "30 s", "24 h", "nan s", "car"]),
    st.lists(st.integers(min_value=-3, max_value=10**12), max_size=30),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def tweak(value: Any, draw: Any) -> Any:
    """Another value of the same kind: a whole number, a number or a duration."""
    if isinstance(value, bool) or value is None:
        return not value
    if isinstance(value, int):
        return draw(st.sampled_from([0, 1, 2, 10**6, 10**9]) | st.integers(0, 100))
    if isinstance(value, float):
        return draw(st.sampled_from([0.0, 1e-300, 1e-3, 0.999, 1e6, 1e300]) | st.floats(0, 10))
    if isinstance(value, str) and value[:1].isdigit() and value.split()[-1] in ("s", "min", "h"):
        number = draw(st.sampled_from(["0", "1e-9", "0.5", "7", "1e6", "1e300"]))
        return f"{number} {draw(st.sampled_from(['s', 'min', 'h', 'd']))}"
    return value


def mutate_data(data: dict[str, Any], draw: Any) -> dict[str, Any]:
    """Delete keys or swap values for values of other types, a few times."""
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = key_paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = node_at(data, path[:-1])
        action = draw(st.sampled_from(["delete", "swap", "nest", "tweak", "tweak", "tweak"]))
        if action == "tweak":  # a value of the same kind: more mutants load and get simulated
            parent[path[-1]] = tweak(parent[path[-1]], draw)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "swap":
            parent[path[-1]] = draw(VALUES)
        else:
            value: Any = parent[path[-1]]
            for _ in range(draw(st.integers(min_value=1, max_value=60))):
                value = [value] if draw(st.booleans()) else {"k": value}
            parent[path[-1]] = value
    return data


def mutate_text(text: bytes, draw: Any) -> bytes:
    """Truncate, insert random bytes, duplicate or delete lines, or open deep nesting."""
    action = draw(st.sampled_from(["truncate", "bytes", "duplicate", "delete", "nest", "tag"]))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    if action == "truncate":
        return text[:at]
    if action == "bytes":
        return text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    lines = text.splitlines(keepends=True)
    i = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
    if action == "duplicate" and lines:
        return b"".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if action == "delete" and lines:
        return b"".join([*lines[:i], *lines[i + 1 :]])
    if action == "nest":
        depth = draw(st.integers(min_value=1, max_value=5000))
        return text[:at] + draw(st.sampled_from([b"[", b"{a: "])) * depth + text[at:]
    tag = draw(
        st.sampled_from([b"!!python/object:os.system ", b"!x ", b"!!binary ", b"&a ", b"*a "])
    )
    return text[:at] + tag + text[at:]


@FUZZ
@given(name=st.sampled_from(SHIPPED), data=st.data())
def test_mutated_text_loads_or_raises_scenario_error(tree: Path, name: str, data: Any) -> None:
    source = tree / name
    path = source.with_name("fuzzed_text.yaml")
    path.write_bytes(mutate_text(source.read_bytes(), data.draw))
    exercise(path)


@FUZZ
@given(name=st.sampled_from(SHIPPED), data=st.data())
def test_mutated_data_loads_or_raises_scenario_error(tree: Path, name: str, data: Any) -> None:
    source = tree / name
    plain = parse_yaml(source.read_text(encoding="utf-8"), str(source)).data
    mutated = mutate_data(plain, data.draw)
    path = source.with_name("fuzzed_data.yaml")
    try:
        text = dump(mutated)
    except Exception:  # text the YAML writer itself cannot write (e.g. lone surrogates)
        return
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    exercise(path)


def test_shipped_scenarios_all_load_pass_the_size_check_and_simulate(tree: Path) -> None:
    for name in SHIPPED:
        exercise(tree / name)
        load_scenario(tree / name)  # the default limit holds for everything shipped


if sys.platform == "win32":  # pragma: no cover - file names and FIFOs differ
    pytestmark = pytest.mark.skip(reason="fuzzing runs on POSIX")
