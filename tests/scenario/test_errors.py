"""Bad scenario files: every problem is reported with file, line, column, key path and a message.

Each case starts from a valid scenario written out below (so line numbers can be counted) and
changes one thing in it.
"""

from __future__ import annotations

import pytest
from scenario_helpers import at, problems_of

from borderflow.scenario import ScenarioError, load_scenario
from borderflow.scenario.errors import format_path

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
    route: [primary, secondary]
  truck:
    mode: truck
    arrivals: {per_hour: 10}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 2, serves: [car]}
      cargo: {lanes: 1, serves: [truck]}
    service:
      default: {dist: exponential, mean: 30 s}
  secondary:
    lanes:
      bays: {lanes: 2, queue: shared}
    visit: {car: 0.1}
    service:
      default: {dist: gamma, mean: 10 min, cv: 0.8}
"""


def variant(*changes: tuple[str, str]) -> str:
    """BASE with each (old, new) replaced once; fails loudly if ``old`` is not in the text."""
    text = BASE
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in the base scenario"
        text = text.replace(old, new)
    return text


# (change, line, column, key path, fragments of the message)
CASES = [
    pytest.param(
        ("replications: 2", "replicatons: 2"),
        3,
        1,
        "replicatons",
        ["unknown key 'replicatons'", "did you mean 'replications'?"],
        id="unknown-key-top-level",
    ),
    pytest.param(
        ("    mode: truck\n", "    mode: truck\n    occupnts: 1\n"),
        12,
        5,
        "streams.truck.occupnts",
        ["unknown key 'occupnts'", "did you mean 'occupants'?"],
        id="unknown-key-nested",
    ),
    pytest.param(
        ("general: {lanes: 2,", "general: {lanes: two,"),
        17,
        17,
        "stages.primary.lanes.general.lanes",
        ["whole number", "'two'"],
        id="wrong-type",
    ),
    pytest.param(
        ("route: [primary, secondary]", "route: [primary, secondry]"),
        9,
        22,
        "streams.car.route[1]",
        ["unknown stage 'secondry'", "did you mean 'secondary'?"],
        id="route-unknown-stage",
    ),
    pytest.param(
        ("profile: flat}", "profile: flta}"),
        8,
        31,
        "streams.car.arrivals.profile",
        ["unknown profile 'flta'", "did you mean 'flat'?"],
        id="unknown-profile",
    ),
    pytest.param(
        ("serves: [truck]", "serves: [car]"),
        13,
        13,
        "streams.truck.route[0]",
        ["no lane group of stage 'primary' serves stream 'truck'", "cargo"],
        id="no-eligible-lane",
    ),
    pytest.param(
        (
            "flat: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
            "flat: [1, 1, 1]",
        ),
        5,
        3,
        "profiles.flat",
        ["24", "found 3"],
        id="profile-wrong-length",
    ),
    pytest.param(
        ("cargo: {lanes: 1,", "cargo: {lanes: -1,"),
        18,
        15,
        "stages.primary.lanes.cargo.lanes",
        ["0", "found -1"],
        id="negative-lanes",
    ),
    pytest.param(
        ("per_day: 2400", "per_day: -5"),
        8,
        16,
        "streams.car.arrivals.per_day",
        ["negative", "found -5"],
        id="negative-per-day",
    ),
    pytest.param(
        ("dist: exponential", "dist: weibull"),
        20,
        17,
        "stages.primary.service.default.dist",
        ["'weibull'", "'exponential'", "'empirical'"],
        id="unknown-distribution",
    ),
    pytest.param(
        ("mean: 30 s}", "mean: 70}"),
        20,
        36,
        "stages.primary.service.default.mean",
        ["70", "no unit", "s, min, h, d"],
        id="duration-without-unit",
    ),
    pytest.param(
        ("route: [primary]\n", "route: [primary, secondary]\n"),
        24,
        5,
        "stages.secondary.visit",
        ["no visit share for stream 'truck'", "'default'"],
        id="visit-without-stream-or-default",
    ),
]


@pytest.mark.parametrize(("change", "line", "column", "key_path", "fragments"), CASES)
def test_bad_input_is_reported_at_its_place(write_yaml, change, line, column, key_path, fragments):
    path = write_yaml(variant(change))
    problem = at(problems_of(path), key_path)
    assert (problem.file, problem.line, problem.column) == (str(path), line, column)
    for fragment in fragments:
        assert fragment in problem.message
    assert str(problem) == f"{path}:{line}:{column}: {key_path}: {problem.message}"


def test_base_scenario_is_valid(write_yaml):
    """The cases above change one thing each: the text they start from must be valid."""
    scenario = load_scenario(write_yaml(BASE))
    assert list(scenario.streams) == ["car", "truck"]


def test_yaml_syntax_error_has_line_and_column(write_yaml):
    path = write_yaml(variant(("    mode: truck\n", "    mode: truck: x\n")))
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.column, problem.path) == (str(path), 11, 16, ())
    assert problem.message.startswith("YAML syntax error")
    assert "mapping values are not allowed" in problem.message
    assert str(problem).startswith(f"{path}:11:16: YAML syntax error")


def test_duplicate_key_is_a_yaml_error(write_yaml):
    path = write_yaml(variant(("horizon: 4 h\n", "horizon: 4 h\nhorizon: 6 h\n")))
    (problem,) = problems_of(path)
    assert problem.line == 3
    assert "duplicate key" in problem.message and "horizon" in problem.message


def test_unknown_key_without_close_match_lists_the_allowed_keys(write_yaml):
    path = write_yaml(variant(("mean: 30 s}", "mean: 30 s, flavour: red}")))
    problem = at(problems_of(path), "stages.primary.service.default.flavour")
    assert problem.line == 20
    assert "unknown key 'flavour'" in problem.message
    assert "allowed here:" in problem.message
    assert "mean" in problem.message and "median" in problem.message


def test_unknown_stage_far_from_any_name_lists_known_stages(write_yaml):
    path = write_yaml(variant(("route: [primary]\n", "route: [primary, xray]\n")))
    problem = at(problems_of(path), "streams.truck.route[1]")
    assert problem.line == 13
    assert "unknown stage 'xray'" in problem.message
    assert "known: primary, secondary" in problem.message


def test_open_lanes_above_the_lane_count(write_yaml):
    path = write_yaml(
        variant(("general: {lanes: 2, serves", "general: {lanes: 2, open: 3, serves"))
    )
    (problem,) = problems_of(path)
    # Reported at the lane group (or its 'open' key): both are on line 17.
    assert format_path(problem.path).startswith("stages.primary.lanes.general")
    assert (problem.file, problem.line) == (str(path), 17)
    assert "open lanes (3)" in problem.message and "2 lanes" in problem.message


def test_open_lanes_above_the_lane_count_in_one_hour(write_yaml):
    hours = ", ".join(["1"] * 7 + ["3"] + ["1"] * 16)
    path = write_yaml(
        variant(("general: {lanes: 2, serves", f"general: {{lanes: 2, open: [{hours}], serves"))
    )
    (problem,) = problems_of(path)
    assert problem.line == 17
    assert "open lanes (3)" in problem.message


def test_wrong_parameters_of_a_distribution_name_the_accepted_ones(write_yaml):
    path = write_yaml(variant(("mean: 10 min, cv: 0.8", "mean: 10 min")))
    problem = at(problems_of(path), "stages.secondary.service.default")
    assert problem.line == 26
    assert "gamma takes {mean, cv} or {shape, scale}, found {mean}" in problem.message


def test_missing_required_key_is_reported_at_its_parent(write_yaml):
    path = write_yaml(variant(("    route: [primary]\n", "")))
    problem = at(problems_of(path), "streams.truck")
    assert problem.line == 10
    assert "missing required key 'route'" in problem.message


def test_lanes_never_open_for_a_stream(write_yaml):
    closed = ", ".join(["0"] * 24)
    path = write_yaml(variant(("cargo: {lanes: 1,", f"cargo: {{lanes: 1, open: [{closed}],")))
    problem = at(problems_of(path), "streams.truck.route[0]")
    assert problem.line == 13
    assert "never open" in problem.message


def test_missing_extends_target(write_yaml):
    path = write_yaml("name: child\nextends: nowhere.yaml\n", "child.yaml")
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.column) == (str(path), 2, 1)
    assert format_path(problem.path) == "extends"
    assert "file not found" in problem.message and "'nowhere.yaml'" in problem.message


def test_circular_extends(write_yaml):
    a = write_yaml("extends: b.yaml\nname: a\n", "a.yaml")
    b = write_yaml("name: b\nextends: a.yaml\n", "b.yaml")
    (problem,) = problems_of(a)
    assert (problem.file, problem.line, problem.column) == (str(b), 2, 1)
    assert format_path(problem.path) == "extends"
    assert "circular extends: a.yaml -> b.yaml -> a.yaml" in problem.message


def test_a_file_extending_itself(write_yaml):
    path = write_yaml("extends: me.yaml\nname: me\n", "me.yaml")
    (problem,) = problems_of(path)
    assert (problem.line, problem.path) == (1, ("extends",))
    assert "circular extends" in problem.message


def test_file_not_found(tmp_path):
    path = tmp_path / "nothing-here.yaml"
    (problem,) = problems_of(path)
    assert (problem.file, problem.line, problem.column) == (str(path), None, None)
    assert problem.message == "file not found"
    assert str(problem) == f"{path}: file not found"


def test_a_file_that_is_not_a_map(write_yaml):
    (problem,) = problems_of(write_yaml("- name\n- streams\n"))
    assert problem.line == 1
    assert "expected a map" in problem.message and "list" in problem.message


def test_all_structural_errors_are_reported(write_yaml):
    path = write_yaml(
        variant(
            ("replications: 2", "replications: 0"),
            ("cargo: {lanes: 1,", "cargo: {lanes: -1,"),
            ("mean: 10 min", "mean: 10"),
        )
    )
    problems = problems_of(path)
    assert [(format_path(p.path), p.line) for p in problems] == [
        ("replications", 3),
        ("stages.primary.lanes.cargo.lanes", 18),
        ("stages.secondary.service.default.mean", 26),
    ]


def test_all_reference_errors_are_reported(write_yaml):
    path = write_yaml(
        variant(
            ("profile: flat}", "profile: flta}"),
            ("route: [primary, secondary]", "route: [primary, secondry]"),
            ("serves: [truck]", "serves: [car]"),
        )
    )
    problems = problems_of(path)
    assert sorted((format_path(p.path), p.line) for p in problems) == [
        ("streams.car.arrivals.profile", 8),
        ("streams.car.route[1]", 9),
        ("streams.truck.route[0]", 13),
    ]


def test_structural_and_reference_errors_are_reported_together(write_yaml):
    path = write_yaml(
        variant(
            ("replications: 2", "replications: 0"),
            ("profile: flat}", "profile: flta}"),
            ("route: [primary, secondary]", "route: [primary, secondry]"),
        )
    )
    problems = problems_of(path)
    assert sorted((format_path(p.path), p.line) for p in problems) == [
        ("replications", 3),
        ("streams.car.arrivals.profile", 8),
        ("streams.car.route[1]", 9),
    ]


def test_scenario_error_text_lists_every_problem(write_yaml):
    path = write_yaml(
        variant(("replications: 2", "replications: 0"), ("per_day: 2400", "per_day: -5"))
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "2 problems in the scenario:"
    assert lines[1].startswith(f"{path}:3:1: replications: ")
    assert lines[2].startswith(f"{path}:8:16: streams.car.arrivals.per_day: ")


def test_errors_in_a_dict_scenario_have_key_paths_but_no_lines():
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            {
                "name": "dict port",
                "streams": {"car": {"arrivals": {"per_hour": 10}, "route": ["primary"]}},
                "stages": {
                    "primary": {
                        "lanes": {"general": {"lanes": -1}},
                        "service": {"default": {"dist": "exponential", "mean": 30}},
                    }
                },
            }
        )
    problems = {format_path(p.path): p for p in info.value.problems}
    assert set(problems) == {
        "stages.primary.lanes.general.lanes",
        "stages.primary.service.default.mean",
    }
    assert all(p.file == "<dict>" and p.line is None for p in problems.values())
    assert "s, min, h, d" in problems["stages.primary.service.default.mean"].message


def test_a_boolean_is_not_a_lane_count(write_yaml):
    path = write_yaml(variant(("general: {lanes: 2,", "general: {lanes: true,")))
    problem = at(problems_of(path), "stages.primary.lanes.general.lanes")
    assert problem.line == 17
    assert problem.message == "expected a whole number, found true"
    assert problem.message == "expected a whole number, found true"


def test_a_negative_horizon_is_reported_at_the_horizon(write_yaml):
    path = write_yaml(variant(("horizon: 4 h", "horizon: -4 h")))
    (problem,) = problems_of(path)
    assert (format_path(problem.path), problem.line) == ("horizon", 2)
    assert "must be more than 0" in problem.message and "'-4 h'" in problem.message
