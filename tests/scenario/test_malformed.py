"""Malformed and hostile scenario files: each is a ScenarioError with file:line:col, at once.

One test (or one parametrised group) per class of input: deep nesting, what ``extends`` may
point at, tags and merge keys, bytes that are not UTF-8 text, numbers that are not finite,
distribution parameters that cannot be sampled, absurd sizes, and the rest (truncated files,
duplicate keys, keys that are not text, ``--set`` garbage).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import borderflow
from borderflow.model.sampling import quantile_function
from borderflow.scenario import (
    DEFAULT_MAX_TRAVELLERS,
    Distribution,
    Problem,
    ScenarioError,
    check_size,
    expected_travellers,
    load_document,
    load_scenario,
    validate_document,
)
from borderflow.scenario.errors import format_path
from borderflow.scenario.load import MAX_DEPTH, MAX_EXTENDS, MAX_FILE_BYTES, MAX_VALUES

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Line numbers of this text are asserted below: keep them stable.
BASE = """\
name: test port
horizon: 4 h
replications: 2
profiles:
  flat: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
streams:
  car:
    arrivals: {per_day: 2400, profile: flat}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 2, serves: [car]}
    service:
      default: {dist: exponential, mean: 30 s}
"""


def variant(*changes: tuple[str, str]) -> str:
    """BASE with each (old, new) replaced once."""
    text = BASE
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def write_bytes(tmp_path: Path, data: bytes, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def the_problem(source: object, overrides: tuple[str, ...] = ()) -> Problem:
    """The one problem of ``source``, found within a few seconds."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, overrides)  # type: ignore[arg-type]
    assert time.perf_counter() - start < 5, "rejecting a bad file must be quick"
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def assert_at(problem: Problem, file: Path | str, line: int | None, column: int | None) -> None:
    assert (problem.file, problem.line, problem.column) == (str(file), line, column), str(problem)


# --- 1. nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deeply_nested_flow_lists_are_refused_at_the_first_level_too_deep(tmp_path, depth):
    path = write_bytes(tmp_path, b"name: x\ndescription: " + b"[" * depth + b"\n")
    problem = the_problem(path)
    # the 33rd bracket opens level 33: column 13 + 32
    assert_at(problem, path, 2, 13 + MAX_DEPTH)
    assert format_path(problem.path).startswith("description[0][0]")
    assert f"nested more than {MAX_DEPTH} levels deep" in problem.message


def test_deeply_nested_block_maps_are_refused(tmp_path):
    lines = [f"{'  ' * i}k{i}:" for i in range(200)]
    path = write_bytes(tmp_path, ("\n".join(lines) + " 1\n").encode())
    problem = the_problem(path)
    assert_at(problem, path, MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)
    assert "nested more than" in problem.message


def test_nesting_within_the_limit_is_an_ordinary_error(tmp_path):
    path = write_bytes(tmp_path, b"name: x\ndescription: " + b"[" * 20 + b"]" * 20 + b"\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(format_path(p.path) == "description" for p in info.value.problems)


# --- 2. what extends and the scenario file may be ----------------------------------------------


def test_extends_a_directory_names_the_scenario_file_and_the_key(tmp_path):
    (tmp_path / "ports").mkdir()
    path = write_bytes(tmp_path, b"name: child\nextends: ports\n")
    problem = the_problem(path)
    assert_at(problem, path, 2, 1)
    assert problem.path == ("extends",)
    assert "cannot read 'ports'" in problem.message and "is a directory" in problem.message


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_extends_a_device_is_refused_by_its_name_without_reading_it(tmp_path):
    path = write_bytes(tmp_path, b"name: child\nextends: /dev/zero\n")
    problem = the_problem(path)
    assert_at(problem, path, 2, 1)
    assert problem.path == ("extends",)
    assert "cannot extend '/dev/zero'" in problem.message
    assert "name ends in .yaml or .yml" in problem.message


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_extends_a_device_under_a_yaml_name_is_refused_without_reading_it(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    path = write_bytes(tmp_path, b"name: child\nextends: zero.yaml\n")
    problem = the_problem(path)
    assert_at(problem, path, 2, 1)
    assert problem.path == ("extends",)
    assert "not a regular file" in problem.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_extends_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "base.yaml")
    path = write_bytes(tmp_path, b"extends: base.yaml\nname: child\n")
    problem = the_problem(path)
    assert_at(problem, path, 1, 1)
    assert "not a regular file" in problem.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_the_scenario_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "scenario.yaml")
    problem = the_problem(tmp_path / "scenario.yaml")
    assert_at(problem, tmp_path / "scenario.yaml", None, None)
    assert problem.message.startswith("cannot read this file: it is not a regular file")


def test_a_directory_as_the_scenario_file_is_refused(tmp_path):
    problem = the_problem(tmp_path)
    assert problem.message == "cannot read this file: it is a directory, not a file"


def test_a_huge_base_file_is_refused_before_it_is_read(tmp_path):
    with open(tmp_path / "base.yaml", "wb") as handle:  # sparse: no time or disk used
        handle.truncate(50 * 1024**3)
    path = write_bytes(tmp_path, b"extends: base.yaml\nname: child\n")
    problem = the_problem(path)
    assert_at(problem, path, 1, 1)
    assert "is too large: 53,687,091,200 bytes" in problem.message
    assert f"at most {MAX_FILE_BYTES:,}" in problem.message


def test_a_very_long_extends_chain(tmp_path):
    write_bytes(tmp_path, BASE.encode(), "f0.yaml")
    for i in range(1, 30):
        write_bytes(tmp_path, f"extends: f{i - 1}.yaml\n".encode(), f"f{i}.yaml")
    problem = the_problem(tmp_path / "f29.yaml")
    assert problem.path == ("extends",)
    assert f"more than {MAX_EXTENDS} files extend one another" in problem.message
    load_scenario(tmp_path / f"f{MAX_EXTENDS - 1}.yaml")  # a chain of 20 files is fine


def test_extends_that_is_not_a_file_name(tmp_path):
    path = write_bytes(tmp_path, b'extends: "a\\0b"\nname: child\n')
    problem = the_problem(path)
    assert_at(problem, path, 1, 1)
    assert problem.path == ("extends",)


# --- 3. tags and merge keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object/apply:os.system ['touch {marker}']", "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!custom x", "!custom"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!str 5", "!!str"),
        ("!!set {a, b}", "!!set"),
        ("! plain", "!"),
        ("!<tag:example.com,2026:x> 1", "tag:example.com,2026:x"),
    ],
)
def test_a_tag_is_refused_by_name_and_never_constructed(tmp_path, value, tag):
    marker = tmp_path / "constructed"
    value = value.replace("{marker}", str(marker))
    path = write_bytes(tmp_path, variant(("name: test port", f"name: {value}")).encode())
    problem = the_problem(path)
    assert_at(problem, path, 1, 7)
    assert problem.path == ("name",)
    assert f"the YAML tag {tag} is not allowed" in problem.message
    assert not marker.exists()


def test_a_tag_on_a_map_is_refused(tmp_path):
    path = write_bytes(tmp_path, variant(("  primary:\n", "  primary: !!omap\n")).encode())
    problem = the_problem(path)
    assert_at(problem, path, 11, 12)
    assert "the YAML tag !!omap is not allowed" in problem.message


MERGED = """\
name: merge keys
horizon: 2 h
defaults: &lane
  lanes: 2
  booths_per_lane: 9
streams:
  car:
    arrivals: {per_hour: 60}
    route: [primary]
stages:
  primary:
    lanes:
      general:
        <<: *lane
        serves: [car]
      spare: {<<: [*lane], booths_per_lane: 1}
    service:
      default: {dist: exponential, mean: 30 s}
"""


def test_merge_keys_merge_and_keep_the_positions_of_merged_keys(tmp_path):
    path = write_bytes(tmp_path, MERGED.encode())
    doc = load_document(path)
    general = doc.data["stages"]["primary"]["lanes"]["general"]
    assert general == {"lanes": 2, "booths_per_lane": 9, "serves": ["car"]}
    assert doc.data["stages"]["primary"]["lanes"]["spare"]["booths_per_lane"] == 1  # own key wins
    with pytest.raises(ScenarioError) as info:
        validate_document(doc)
    wrong = {format_path(p.path): (p.line, p.column) for p in info.value.problems}
    # the faulty value is where it was written: in the anchored map, line 5
    assert wrong["stages.primary.lanes.general.booths_per_lane"] == (5, 3)
    assert wrong["defaults"] == (3, 1)  # and the anchor's key itself is unknown
    assert "stages.primary.lanes.spare.booths_per_lane" not in wrong


def test_a_merge_key_needs_a_map(tmp_path):
    path = write_bytes(
        tmp_path, variant(("general: {lanes: 2,", "general: {<<: 3, lanes: 2,")).encode()
    )
    problem = the_problem(path)
    assert_at(problem, path, 13, 17)
    assert "a merge key '<<' takes a map or a list of maps" in problem.message


# --- 4. bytes that are not text ----------------------------------------------------------------


def test_latin_1_bytes_in_the_scenario(tmp_path):
    path = write_bytes(
        tmp_path, variant(("name: test port", "name: Garita Peat\xf3n")).encode("latin-1")
    )
    problem = the_problem(path)
    assert_at(problem, path, 1, 18)
    assert problem.message == "not UTF-8 text: byte 0xf3 cannot be read (save the file as UTF-8)"


def test_a_nul_byte_in_the_scenario(tmp_path):
    path = write_bytes(
        tmp_path, variant(("    route: [primary]", "    route: [pri\0mary]")).encode()
    )
    problem = the_problem(path)
    assert_at(problem, path, 9, 16)
    assert "NUL byte" in problem.message


def test_non_utf8_in_a_base_file_points_at_the_base_file(tmp_path):
    base = write_bytes(tmp_path, BASE.encode() + b"description: caf\xe9\n", "base.yaml")
    path = write_bytes(tmp_path, b"extends: base.yaml\nname: child\n")
    problem = the_problem(path)
    assert_at(problem, base, 16, 17)
    assert "not UTF-8" in problem.message


def test_utf16_is_named(tmp_path):
    path = write_bytes(tmp_path, BASE.encode("utf-16"))
    problem = the_problem(path)
    assert_at(problem, path, 1, 1)
    assert "UTF-16" in problem.message


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = write_bytes(tmp_path, b"\xef\xbb\xbf" + BASE.encode())
    assert load_scenario(path).name == "test port"


def test_a_control_character_is_positioned(tmp_path):
    path = write_bytes(tmp_path, variant(("name: test port", "name: test\x07port")).encode())
    problem = the_problem(path)
    assert_at(problem, path, 1, 11)
    assert "#x0007" in problem.message


def test_a_lone_surrogate_escape_is_refused(tmp_path):
    path = write_bytes(tmp_path, variant(("name: test port", 'name: "a\\ud800b"')).encode())
    problem = the_problem(path)
    assert_at(problem, path, 1, 7)
    assert "\\ud800" in problem.message


EMPIRICAL = variant(
    ("default: {dist: exponential, mean: 30 s}", "default: {dist: empirical, file: times.csv}")
)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"time\n30 s\n4\xe9 s\n", "line 3, column 2: not UTF-8 text: byte 0xe9"),
        (b"time\n30 s\n\x00\n", "line 3, column 1: the file contains a NUL byte"),
        (b"time\n" + b'"' + b"x" * 200_000 + b'"\n', "field larger than field limit"),
    ],
    ids=["latin-1", "nul", "huge-field"],
)
def test_bad_bytes_in_an_empirical_csv(tmp_path, data, fragment):
    write_bytes(tmp_path, data, "times.csv")
    path = write_bytes(tmp_path, EMPIRICAL.encode())
    problem = the_problem(path)
    assert_at(problem, path, 15, 34)
    assert format_path(problem.path) == "stages.primary.service.default.file"
    assert fragment in problem.message


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_empirical_csv_that_is_a_device(tmp_path):
    path = write_bytes(tmp_path, EMPIRICAL.replace("times.csv", "/dev/zero").encode())
    problem = the_problem(path)
    assert "cannot read '/dev/zero'" in problem.message
    assert "a file whose name ends in .csv or .txt" in problem.message
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    path = write_bytes(tmp_path, EMPIRICAL.replace("times.csv", "zero.csv").encode())
    problem = the_problem(path)
    assert "it is not a regular file" in problem.message


# --- 5. numbers that are not finite ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "line", "column", "key_path", "fragment"),
    [
        (("horizon: 4 h", "horizon: 1e999 h"), 2, 1, "horizon", "'1e999 h' is too large"),
        (
            ("mean: 30 s", "mean: 1e400 s"),
            15,
            36,
            "stages.primary.service.default.mean",
            "'1e400 s' is too large",
        ),
        (
            ("mean: 30 s", "mean: 1e305 d"),
            15,
            36,
            "stages.primary.service.default.mean",
            "'1e305 d' is too large",
        ),
        (("flat: [1, 1,", "flat: [.inf, 1,"), 5, 10, "profiles.flat[0]", "infinite"),
        (("flat: [1, 1,", "flat: [.nan, 1,"), 5, 10, "profiles.flat[0]", "not a number"),
        (("per_day: 2400", "per_day: 1e999"), 8, 25, "streams.car.arrivals.per_day", "infinite"),
        (("per_day: 2400", "per_day: -.inf"), 8, 25, "streams.car.arrivals.per_day", "infinite"),
        (
            ("replications: 2", "replications: " + "9" * 5000),
            3,
            15,
            "replications",
            "too many digits",
        ),
    ],
    ids=[
        "horizon-1e999h",
        "mean-1e400s",
        "mean-overflow-in-seconds",
        "weight-inf",
        "weight-nan",
        "per-day-1e999",
        "per-day-minus-inf",
        "5000-digits",
    ],
)
def test_numbers_that_are_not_finite(tmp_path, change, line, column, key_path, fragment):
    path = write_bytes(tmp_path, variant(change).encode())
    problem = the_problem(path)
    assert_at(problem, path, line, column)
    assert format_path(problem.path) == key_path
    assert fragment in problem.message


def base_dict() -> dict:
    return {
        "name": "dict",
        "horizon": "2 h",
        "profiles": {"flat": [1.0] * 24},
        "streams": {"car": {"arrivals": {"per_day": 100, "profile": "flat"}, "route": ["p"]}},
        "stages": {
            "p": {
                "lanes": {"g": {"lanes": 1}},
                "service": {"default": {"dist": "exponential", "mean": "30 s"}},
            }
        },
    }


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        (("profiles", "flat", 3), math.inf, "finite number"),
        (("profiles", "flat", 3), math.nan, "finite number"),
        (("profiles", "flat"), [1e308] * 24, "sum is not a finite number"),
        (("streams", "car", "occupants"), math.inf, "finite number"),
        (("streams", "car", "arrivals", "per_day"), math.inf, "must be a finite number"),
        (("streams", "car", "arrivals", "per_day"), 10**400, "too large"),
        (
            ("stages", "p", "service", "default"),
            {"dist": "lognormal", "mean": "1 min", "cv": math.nan},
            "finite number",
        ),
        (("economics", "annualize_days"), math.inf, "finite number"),
        (("emissions",), {"car": {"nox_g_per_h": math.inf}}, "finite number"),
    ],
    ids=[
        "weight-inf",
        "weight-nan",
        "weights-sum",
        "occupants",
        "per-day-inf",
        "per-day-10**400",
        "cv-nan",
        "annualize",
        "emissions",
    ],
)
def test_non_finite_numbers_in_a_dict_are_refused_with_their_key_path(path, value, fragment):
    data = base_dict()
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    problems = {format_path(p.path): p.message for p in info.value.problems}
    assert any(k.startswith(format_path(path)) and fragment in m for k, m in problems.items()), (
        problems
    )


# --- 6. distribution parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "key", "fragment"),
    [
        ("{dist: gamma, mean: 1 min, cv: 1e-250}", "cv", "between 0.001 and 100"),
        ("{dist: gamma, mean: 1 min, cv: 101}", "cv", "between 0.001 and 100"),
        ("{dist: lognormal, mean: 1 min, cv: 1e250}", "cv", "0 or between 0.001 and 100"),
        ("{dist: lognormal, mean: 1 min, cv: 1e-170}", "cv", "use deterministic"),
        ("{dist: lognormal, median: 1 min, sigma: 40}", "sigma", "at most 3"),
        ("{dist: lognormal, median: 1 min, sigma: 1e-200}", "", "sigma must be 0 or at least"),
        ("{dist: gamma, shape: 1e-300, scale: 1 s}", "shape", "at least 0.0001"),
        ("{dist: gamma, shape: 1e300, scale: 1 s}", "shape", "at most 1000000.0"),
        ("{dist: exponential, mean: 1e300 s}", "mean", "at most 365 d"),
        ("{dist: uniform, min: 0 s, max: 400 d}", "max", "at most 365 d"),
        ("{dist: empirical, values: [1 s, 1e20 s]}", "values[1]", "at most 365 d"),
    ],
)
def test_distribution_parameters_that_cannot_be_sampled(tmp_path, spec, key, fragment):
    path = write_bytes(tmp_path, variant(("{dist: exponential, mean: 30 s}", spec)).encode())
    problem = the_problem(path)
    assert problem.line == 15
    where = "stages.primary.service.default" + (f".{key}" if key else "")
    assert format_path(problem.path) == where
    assert fragment in problem.message


def edge_distributions() -> list[dict]:
    """Every distribution at the edges of the parameter ranges it accepts."""
    out: list[dict] = []
    for mean in ["1e-300 s", "1 s", "365 d"]:
        out += [{"dist": "exponential", "mean": mean}, {"dist": "deterministic", "mean": mean}]
        out += [{"dist": "lognormal", "mean": mean, "cv": cv} for cv in (0, 0.001, 1, 100)]
        out += [{"dist": "gamma", "mean": mean, "cv": cv} for cv in (0.001, 1, 100)]
        out += [{"dist": "uniform", "mean": mean, "cv": cv} for cv in (0, 0.5773)]
        out += [{"dist": "lognormal", "median": mean, "sigma": s} for s in (0, 0.001, 3)]
        out += [{"dist": "gamma", "shape": k, "scale": mean} for k in (1e-4, 1, 1e6)]
    out += [
        {"dist": "uniform", "min": "0 s", "max": "365 d"},
        {"dist": "triangular", "min": "0 s", "mode": "0 s", "max": "365 d"},
        {"dist": "triangular", "min": "0 s", "mode": "365 d", "max": "365 d"},
        {"dist": "empirical", "values": ["0 s", "365 d"]},
    ]
    return out


@pytest.mark.parametrize("spec", edge_distributions(), ids=str)
def test_accepted_distributions_sample_finite_times_even_at_the_edges(spec):
    d = Distribution.model_validate(spec)
    # the smallest and largest uniforms numpy's random() can return, and a few between
    u = np.array([0.0, 2.0**-53, 1e-10, 0.5, 1 - 1e-10, 1 - 2.0**-53])
    times = quantile_function(d)(u)
    assert np.all(np.isfinite(times)) and np.all(times >= 0), times
    times = quantile_function(d)(np.random.default_rng(0).random(1000))
    assert np.all(np.isfinite(times)) and np.all(times >= 0)


# --- 7. sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "line", "column", "key_path", "fragment"),
    [
        (
            ("replications: 2", "replications: 10000000000000000000000"),
            3,
            1,
            "replications",
            "must be at most 10000",
        ),
        (
            ("{lanes: 2,", "{lanes: 10000000,"),
            13,
            17,
            "stages.primary.lanes.general.lanes",
            "must be at most 1000",
        ),
        (("horizon: 4 h", "horizon: 1e9 d"), 2, 1, "horizon", "must be at most 366 d"),
        (("general: {lanes: 2,", "general: {lanes: 1000, booths_per_lane: 4,"), None, None, "", ""),
    ],
    ids=["replications-1e22", "lanes-1e7", "horizon-1e9d", "lanes-1000"],
)
def test_absurd_sizes_are_refused_at_load(tmp_path, change, line, column, key_path, fragment):
    path = write_bytes(tmp_path, variant(change).encode())
    if line is None:  # within every limit: loads
        load_scenario(path)
        return
    problem = the_problem(path)
    assert_at(problem, path, line, column)
    assert format_path(problem.path) == key_path
    assert fragment in problem.message


def test_too_many_booths_in_all(tmp_path):
    groups = "".join(f"      g{i}: {{lanes: 1000, booths_per_lane: 4}}\n" for i in range(6))
    path = write_bytes(
        tmp_path, variant(("      general: {lanes: 2, serves: [car]}\n", groups)).encode()
    )
    problem = the_problem(path)
    assert_at(problem, path, 10, 1)
    assert problem.path == ("stages",)
    assert "24,000 booths in all; at most 20,000" in problem.message


def test_a_rate_of_1e300_a_day_is_refused_without_sampling(tmp_path):
    path = write_bytes(tmp_path, variant(("per_day: 2400", "per_day: 1e300")).encode())
    problem = the_problem(path)
    assert_at(problem, path, 8, 5)
    assert format_path(problem.path) == "streams.car.arrivals"
    assert "about 1.67e+299 travellers expected in one replication (car 1.67e+299)" in (
        problem.message
    )
    assert f"the limit of {DEFAULT_MAX_TRAVELLERS:,}" in problem.message
    assert "--max-travellers N" in problem.message
    load_scenario(path, max_travellers=None)  # the limit can be lifted


def test_expected_travellers_counts_one_replication():
    example = load_scenario(SCENARIOS / "example.yaml")  # 12 h of a morning profile
    assert expected_travellers(example) == pytest.approx({"car_general": 1500, "car_sentri": 500})
    flat = {**base_dict(), "horizon": "2.5 h"}
    flat["streams"]["car"]["arrivals"] = {"per_hour": [10] * 2 + [40] + [0] * 21}
    assert expected_travellers(load_scenario(flat)) == {"car": 40.0}  # half of the 40 of 02:00
    flat["horizon"] = "15 d"  # two weeks and a day
    assert expected_travellers(load_scenario(flat)) == {"car": 60.0 * 15}


def test_a_year_of_san_ysidro_fits_under_the_default_limit():
    year = load_scenario(SCENARIOS / "san_ysidro_weekday.yaml", ["horizon=365 d", "warmup=0 h"])
    total = sum(expected_travellers(year).values())
    assert 20e6 < total < DEFAULT_MAX_TRAVELLERS


def test_check_size_names_the_biggest_streams_and_the_limit():
    scenario = load_scenario(SCENARIOS / "example.yaml")
    check_size(scenario, 2000)
    with pytest.raises(ScenarioError) as info:
        check_size(scenario, 1999)
    (problem,) = info.value.problems
    assert problem.file == "scenario 'Example port, morning peak'"
    assert format_path(problem.path) == "streams.car_general.arrivals"
    assert problem.message.startswith(
        "about 2,000 travellers expected in one replication (car_general 1,500, car_sentri 500), "
        "more than the limit of 1,999"
    )


# --- 8. everything else ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("", 1, 1, "the file is empty"),
        ("# only a comment\n", 1, 1, "the file is empty"),
        (
            "- name\n- streams\n",
            1,
            1,
            "expected a map of keys (name:, streams:, ...), found a list",
        ),
        ("\n\n  just text\n", 3, 3, "found text of 9 characters, not key: value lines"),
        ("~\n", 1, 1, "found null"),
        ("1: x\n", 1, 1, "a key must be a name (text), found the number 1"),
        ("name: x\nnull: x\n", 2, 1, "found null"),
        ("name: x\ntrue: x\n", 2, 1, "found the boolean true"),
        ("[a]: b\n", 1, 1, "a key must be a name (text), found a list"),
        ("? {a: 1}\n: b\n", 1, 3, "a key must be a name (text), found a map"),
        ("name: x\nname: y\n", 2, 1, "duplicate key 'name': it is already given at line 1"),
        ("a: {b: 1, b: 2}\n", 1, 11, "duplicate key 'b'"),
        ("name: x\n---\nname: y\n", 2, 1, "one YAML document"),
        ("a: &x [*x]\n", 1, 8, "unknown alias *x"),
        ("a: *nowhere\n", 1, 4, "unknown alias *nowhere"),
        ("name: [1, 2\n", 2, 1, "YAML syntax error"),
        ("name: 'open\n", 2, 1, "YAML syntax error"),
    ],
)
def test_structural_problems_are_positioned(tmp_path, text, line, column, fragment):
    path = write_bytes(tmp_path, text.encode())
    problem = the_problem(path)
    assert_at(problem, path, line, column)
    assert fragment in problem.message


def test_every_truncation_of_a_shipped_scenario_is_a_scenario_error(tmp_path):
    text = (SCENARIOS / "example.yaml").read_bytes()
    for cut in range(0, len(text), 97):
        path = write_bytes(tmp_path, text[:cut])
        try:
            load_scenario(path)
        except ScenarioError as exc:
            assert all(p.file == str(path) for p in exc.problems)


def test_an_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = write_bytes(tmp_path, ("\n".join(lines) + "\n").encode())
    problem = the_problem(path)
    assert f"more than {MAX_VALUES:,} values" in problem.message
    assert problem.line is not None


def test_very_long_lines_give_short_messages(tmp_path):
    long = "x" * 400_000
    path = write_bytes(tmp_path, variant(("horizon: 4 h", f"horizon: {long}")).encode())
    problem = the_problem(path)
    assert_at(problem, path, 2, 1)
    assert len(problem.message) < 300
    path = write_bytes(tmp_path, variant(("horizon: 4 h", f"{long}: 1")).encode())
    problem = the_problem(path)
    assert len(problem.message) < 300


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("=1", "empty key path"),
        ("name", "expected key.path=value"),
        ("name=!!python/object:os.system x", "the YAML tag !!python/object:os.system"),
        ("name=" + "[" * 50, "nested more than"),
        ("seed=1e999", "infinite or too large"),
        ("name=x\nseed: 3", "not one YAML value"),
        ("name={a: 1", "YAML syntax error"),
        ("a..b=1", "empty key"),
        ("streams.car.route[99999999999999999999]=x", "there is no item"),
        ("horizon=.inf h", "expected a duration"),
        ("replications=1e3", "expected a whole number"),
    ],
)
def test_set_with_garbage(tmp_path, item, fragment):
    path = write_bytes(tmp_path, BASE.encode())
    problem = the_problem(path, (item,))
    assert problem.file == f"--set {item}"
    assert fragment in problem.message


# --- the command line --------------------------------------------------------------------------


def test_the_nastiest_files_exit_2_with_a_positioned_message_from_the_cli(tmp_path):
    files = {
        "tag.yaml": b"name: !!python/object/apply:os.system ['echo constructed']\n",
        "deep.yaml": b"name: x\nstreams: " + b"[" * 100_000 + b"\n",
        "latin.yaml": b"name: Garita Peat\xf3n\n",
        "merge.yaml": b"name: x\nstreams: {<<: 1}\n",
    }
    if os.path.exists("/dev/zero"):
        files["zero.yaml"] = b"name: x\nextends: /dev/zero\n"
    src = str(Path(borderflow.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    for name, data in files.items():
        path = write_bytes(tmp_path, data, name)
        done = subprocess.run(
            [sys.executable, "-m", "borderflow.cli", "check", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
        )
        assert done.returncode == 2, (name, done.stderr)
        assert "Traceback" not in done.stderr
        assert f"{path}:" in done.stderr and "constructed" not in done.stdout
        line = done.stderr.splitlines()[1]
        assert line.split(":")[1].isdigit(), line  # file:line:col: ...


@pytest.mark.parametrize("serves", ["true", "3", "car", "{car: 1}"])
def test_serves_that_is_not_a_list(tmp_path, serves):
    path = write_bytes(tmp_path, variant(("serves: [car]", f"serves: {serves}")).encode())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert any(
        format_path(p.path) == "stages.primary.lanes.general.serves" for p in info.value.problems
    )
