"""Loading scenarios: YAML 1.2 scalars, extends, --set overrides, durations, distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ruamel.yaml import YAML
from scipy import stats

from borderflow.scenario import Scenario, ScenarioError, load_scenario
from borderflow.scenario.errors import format_path

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Line numbers of this text are asserted below: keep them stable.
BASE = """\
name: base port
horizon: 4 h
replications: 2
streams:
  car:
    arrivals: {per_hour: 100}
    route: [primary, secondary]
stages:
  primary:
    lanes:
      general: {lanes: 2, booths_per_lane: 2, serves: [car]}
    service:
      default: {dist: exponential, mean: 30 s}
  secondary:
    lanes:
      bays: {lanes: 1}
    visit: {default: 0.1}
    service:
      default: {dist: deterministic, mean: 5 min}
"""


def scenario_with_service(service: dict) -> dict:
    """A minimal scenario (as a dict) whose only stage uses ``service`` for every stream."""
    return {
        "name": "one stage",
        "horizon": "2 h",
        "streams": {"car": {"arrivals": {"per_hour": 60}, "route": ["primary"]}},
        "stages": {
            "primary": {"lanes": {"general": {"lanes": 1}}, "service": {"default": service}}
        },
    }


def read_plain_yaml(path) -> dict:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle)


# --- YAML 1.2 --------------------------------------------------------------------------------


def test_yaml_1_2_keeps_no_on_and_sexagesimal_text_as_strings(write_yaml):
    path = write_yaml(
        """\
        name: yes
        description: 8:30
        streams:
          NO:
            description: 8:30
            arrivals: {per_hour: 10}
            route: [on]
        stages:
          on:
            lanes:
              off: {lanes: 1, serves: [NO]}
            service:
              NO: {dist: exponential, mean: 1 min}
        """
    )
    scenario = load_scenario(path)
    assert scenario.name == "yes"
    assert scenario.description == "8:30"
    assert list(scenario.streams) == ["NO"]
    assert scenario.streams["NO"].description == "8:30"
    assert scenario.streams["NO"].route == ("on",)
    assert list(scenario.stages["on"].lanes) == ["off"]
    assert scenario.stages["on"].lanes["off"].serves == ("NO",)
    assert scenario.stages["on"].service_for("NO").moments == (60.0, 1.0)


def test_example_loads(example_path):
    scenario = load_scenario(example_path)
    assert scenario.name == "Example port, morning peak"
    assert list(scenario.streams) == ["car_general", "car_sentri"]
    assert list(scenario.stages) == ["primary", "secondary"]
    assert scenario.horizon == 12 * 3600
    assert scenario.warmup == 0
    assert scenario.streams["car_sentri"].occupants == 1.5  # the default for cars
    sentri = scenario.stages["primary"].lanes["sentri"]
    assert [sentri.open_at(h) for h in range(24)] == [1] * 24  # all lanes, when not given
    assert sum(scenario.hourly_rates("car_general")) == pytest.approx(1500, rel=1e-12)


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90 s", 90.0),
        ("3 sec", 3.0),
        ("1.5 min", 90.0),
        ("2 h", 7200.0),
        ("1 d", 86400.0),
        ("0.25d", 21600.0),
        (" 5  min ", 300.0),
    ],
)
def test_durations_in_every_unit(text, seconds):
    scenario = load_scenario(
        {**scenario_with_service({"dist": "deterministic", "mean": text}), "horizon": "2 d"}
    )
    assert scenario.stages["primary"].service["default"].mean == seconds
    assert scenario.stages["primary"].service["default"].moments == (seconds, 0.0)


def test_horizon_and_warmup_are_durations(write_yaml):
    path = write_yaml(BASE.replace("horizon: 4 h", "horizon: 2 d\nwarmup: 1 d"))
    scenario = load_scenario(path)
    assert (scenario.horizon, scenario.warmup) == (2 * 86400.0, 86400.0)


# --- distributions -----------------------------------------------------------------------------


def _scipy_moments(dist) -> tuple[float, float]:
    return float(dist.mean()), float(dist.std() / dist.mean())


DISTRIBUTIONS = [
    pytest.param({"dist": "exponential", "mean": "90 s"}, (90.0, 1.0), id="exponential"),
    pytest.param(
        {"dist": "lognormal", "mean": "1.5 min", "cv": 0.5}, (90.0, 0.5), id="lognormal-mean-cv"
    ),
    pytest.param(
        {"dist": "lognormal", "median": "1 min", "sigma": 0.5},
        _scipy_moments(stats.lognorm(s=0.5, scale=60.0)),
        id="lognormal-median-sigma",
    ),
    pytest.param({"dist": "gamma", "mean": "2 h", "cv": 0.8}, (7200.0, 0.8), id="gamma-mean-cv"),
    pytest.param(
        {"dist": "gamma", "shape": 4, "scale": "10 s"},
        _scipy_moments(stats.gamma(a=4, scale=10.0)),
        id="gamma-shape-scale",
    ),
    pytest.param(
        {"dist": "uniform", "min": "10 s", "max": "50 s"},
        _scipy_moments(stats.uniform(loc=10.0, scale=40.0)),
        id="uniform-min-max",
    ),
    pytest.param(
        {"dist": "uniform", "mean": "1 d", "cv": 0.2}, (86400.0, 0.2), id="uniform-mean-cv"
    ),
    pytest.param(
        {"dist": "triangular", "min": "10 s", "mode": "20 s", "max": "1 min"},
        _scipy_moments(stats.triang(c=0.2, loc=10.0, scale=50.0)),
        id="triangular",
    ),
    pytest.param({"dist": "deterministic", "mean": "45 s"}, (45.0, 0.0), id="deterministic"),
    pytest.param(
        {"dist": "empirical", "values": ["10 s", "20 s", "1 min"]},
        (30.0, float(np.std([10.0, 20.0, 60.0]) / 30.0)),
        id="empirical-values",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), DISTRIBUTIONS)
def test_distribution_moments(spec, expected):
    dist = load_scenario(scenario_with_service(spec)).stages["primary"].service["default"]
    mean, cv = dist.moments
    assert mean == pytest.approx(expected[0], rel=1e-12)
    assert cv == pytest.approx(expected[1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"dist": "uniform", "mean": "1 min", "cv": 0.6}, "at most 0.577"),
        ({"dist": "gamma", "mean": "1 min", "cv": 0}, "use deterministic"),
        ({"dist": "uniform", "min": "50 s", "max": "10 s"}, "min < max"),
        ({"dist": "triangular", "min": "10 s", "mode": "5 s", "max": "1 min"}, "mode"),
        ({"dist": "exponential", "mean": "0 s"}, "positive"),
        ({"dist": "empirical", "values": []}, "at least one"),
    ],
)
def test_impossible_distribution_parameters(spec, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_with_service(spec))
    (problem,) = info.value.problems
    # at the distribution, or at the parameter that is out of range (gamma cv 0: at cv)
    assert format_path(problem.path) in (
        "stages.primary.service.default",
        "stages.primary.service.default.cv",
    )
    assert fragment in problem.message


EMPIRICAL = """\
name: empirical
horizon: 2 h
streams:
  car:
    arrivals: {per_hour: 60}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 1}
    service:
      default: {dist: empirical, file: times.csv}
"""


@pytest.mark.parametrize(
    ("csv_text", "spec", "values"),
    [
        pytest.param(
            "time\n10 s\n20 s\n1 min\n", "file: times.csv", (10.0, 20.0, 60.0), id="units"
        ),
        pytest.param("12\n18\n30\n", "file: times.csv, unit: s", (12.0, 18.0, 30.0), id="unit-key"),
        pytest.param(
            "a,b\n1,0.5\n2,1\n3,2.5\n",
            "file: times.csv, column: b, unit: min",
            (30.0, 60.0, 150.0),
            id="column",
        ),
    ],
)
def test_empirical_file_relative_to_the_scenario(
    write_yaml, tmp_path, monkeypatch, csv_text, spec, values
):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text(csv_text, encoding="utf-8")
    path = write_yaml(EMPIRICAL.replace("file: times.csv", spec), "data/scenario.yaml")
    monkeypatch.chdir(tmp_path)  # the CSV is not in the working directory
    dist = load_scenario(path).stages["primary"].service["default"]
    assert dist.values == values
    assert dist.moments[0] == pytest.approx(sum(values) / len(values), rel=1e-12)
    assert dist.moments[1] == pytest.approx(np.std(values) / np.mean(values), rel=1e-12)


def test_empirical_file_named_in_a_base_file_is_relative_to_that_file(write_yaml, tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "times.csv").write_text("40 s\n80 s\n", encoding="utf-8")
    write_yaml(EMPIRICAL, "base/base.yaml")
    child = write_yaml("extends: base/base.yaml\nname: child\n", "child.yaml")
    assert load_scenario(child).stages["primary"].service["default"].values == (40.0, 80.0)


def test_missing_empirical_file(write_yaml):
    path = write_yaml(EMPIRICAL.replace("times.csv", "nowhere.csv"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert format_path(problem.path) == "stages.primary.service.default.file"
    assert (problem.file, problem.line) == (str(path), 12)
    assert "nowhere.csv" in problem.message


# --- dicts and round trips ---------------------------------------------------------------------


def test_a_dict_and_the_same_yaml_file_give_equal_scenarios(example_path, write_yaml):
    assert load_scenario(read_plain_yaml(example_path)) == load_scenario(example_path)
    path = write_yaml(BASE)
    assert load_scenario(read_plain_yaml(path)) == load_scenario(path)


def test_different_scenarios_are_not_equal(write_yaml):
    assert load_scenario(write_yaml(BASE, "a.yaml")) != load_scenario(
        write_yaml(BASE.replace("mean: 30 s", "mean: 31 s"), "b.yaml")
    )


ALL_KINDS = {
    "name": "every kind of value",
    "horizon": "30 h",
    "warmup": "90 min",
    "profiles": {"shape": [float(h % 7) + 0.5 for h in range(24)]},
    "streams": {
        "car": {"arrivals": {"per_day": 1234.5, "profile": "shape"}, "route": ["a", "b"]},
        "walker": {
            "mode": "pedestrian",
            "arrivals": {"per_hour": [float(h) for h in range(24)]},
            "route": ["a"],
        },
    },
    "stages": {
        "a": {
            "lanes": {
                "cars": {
                    "lanes": 3,
                    "booths_per_lane": 2,
                    "serves": ["car"],
                    "open": [1, 2, 3] * 8,
                },
                "hall": {"lanes": 5, "serves": ["walker"], "queue": "shared"},
            },
            "service": {
                "car": {"dist": "lognormal", "median": "0.7 min", "sigma": 0.4},
                "walker": {"dist": "triangular", "min": "10 s", "mode": "0.25 min", "max": "1 min"},
            },
            "visit": {"default": 1.0},
        },
        "b": {
            "lanes": {"bays": {"lanes": 2}},
            "visit": {"car": 0.05},
            "service": {
                "car": {"dist": "empirical", "values": ["1.5 min", "7 s", "1 h"]},
                "default": {"dist": "gamma", "shape": 2.5, "scale": "100.1 s"},
            },
        },
    },
}


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(ALL_KINDS, id="every-kind"),
        *(pytest.param(p, id=p.stem) for p in sorted(SCENARIOS.glob("*.yaml"))),
    ],
)
def test_model_dump_reloads_to_an_equal_scenario(source):
    scenario = load_scenario(source)
    dumped = scenario.model_dump(mode="json", exclude_none=True)
    again = load_scenario(dumped)
    assert again == scenario
    for stage in scenario.stages:
        for key, dist in scenario.stages[stage].service.items():
            assert again.stages[stage].service[key].moments == dist.moments


def test_default_occupants_by_mode():
    scenario = load_scenario(ALL_KINDS)
    assert scenario.streams["car"].occupants == 1.5
    assert scenario.streams["walker"].occupants == 1.0


def test_hourly_rates_follow_the_profile():
    rates = load_scenario(ALL_KINDS).hourly_rates("car")
    weights = [float(h % 7) + 0.5 for h in range(24)]
    assert rates == pytest.approx([1234.5 * w / sum(weights) for w in weights], rel=1e-12)


# --- extends -----------------------------------------------------------------------------------

CHILD = """\
extends: base.yaml
name: child port
streams:
  car:
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 3}
      express: {lanes: 1, serves: [car]}
"""


def test_extends_merges_maps_by_key_and_replaces_lists(write_yaml):
    write_yaml(BASE, "base.yaml")
    scenario = load_scenario(write_yaml(CHILD, "child.yaml"))
    assert scenario.name == "child port"
    assert scenario.horizon == 4 * 3600  # inherited
    assert scenario.streams["car"].route == ("primary",)  # list replaced, not merged
    assert scenario.streams["car"].arrivals.per_hour == 100  # sibling key inherited
    general = scenario.stages["primary"].lanes["general"]
    assert (general.lanes, general.booths_per_lane, general.serves) == (3, 2, ("car",))
    assert list(scenario.stages["primary"].lanes) == ["express", "general"]  # by name
    assert list(scenario.stages) == ["primary", "secondary"]  # kept although no stream visits it


def test_extends_replaces_a_list_of_open_lanes(write_yaml):
    hours = [1] * 24
    write_yaml(BASE.replace("lanes: 2,", f"lanes: 2, open: {[2] * 24},"), "base.yaml")
    child = write_yaml(
        f"extends: base.yaml\nname: c\nstages:\n  primary:\n    lanes:\n      general:\n"
        f"        open: {hours}\n",
        "child.yaml",
    )
    assert load_scenario(child).stages["primary"].lanes["general"].open == tuple(hours)


def test_extends_chain_with_relative_paths(write_yaml):
    write_yaml(BASE, "ports/base.yaml")
    write_yaml("extends: base.yaml\nname: middle\nreplications: 7\n", "ports/middle.yaml")
    path = write_yaml("extends: ../ports/middle.yaml\nname: top\nseed: 5\n", "studies/top.yaml")
    scenario = load_scenario(path)
    assert (scenario.name, scenario.replications, scenario.seed) == ("top", 7, 5)
    assert scenario.streams["car"].route == ("primary", "secondary")


def test_errors_in_the_child_point_to_the_child_file(write_yaml):
    base = write_yaml(BASE, "base.yaml")
    child = write_yaml(
        CHILD.replace("{lanes: 3}", "{lanes: -3}").replace("[primary]", "[primary, xray]"),
        "child.yaml",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    where = {format_path(p.path): (p.file, p.line) for p in info.value.problems}
    assert where["stages.primary.lanes.general.lanes"] == (str(child), 9)
    # the structural error fixed, the reference error shows, also in the child
    child.write_text(CHILD.replace("[primary]", "[primary, xray]"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    where = {format_path(p.path): (p.file, p.line, p.column) for p in info.value.problems}
    assert where == {"streams.car.route[1]": (str(child), 5, 22)}
    assert str(base) not in str(info.value)


def test_errors_in_inherited_keys_point_to_the_base_file(write_yaml):
    base = write_yaml(BASE.replace("mean: 5 min", "mean: 5"), "base.yaml")
    child = write_yaml(CHILD, "child.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert format_path(problem.path) == "stages.secondary.service.default.mean"
    assert (problem.file, problem.line) == (str(base), 19)


def test_a_reference_error_on_an_inherited_key_points_to_the_base_file(write_yaml):
    base = write_yaml(BASE, "base.yaml")
    child = write_yaml(
        "extends: base.yaml\nname: c\nstages:\n  secondary:\n    visit: {car: 0.1, bus: 0.2}\n",
        "child.yaml",
    )
    # The visit map is the child's now: 'bus' is the child's error ...
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert format_path(problem.path) == "stages.secondary.visit.bus"
    assert (problem.file, problem.line) == (str(child), 5)
    # ... while a stream the base routes through a stage the child leaves alone is the base's.
    child.write_text(
        "extends: base.yaml\nname: c\nstages:\n  primary:\n    lanes:\n"
        "      general: {serves: [truck]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    where = {format_path(p.path): (p.file, p.line) for p in info.value.problems}
    assert where["streams.car.route[0]"] == (str(base), 7)
    assert where["stages.primary.lanes.general.serves[0]"] == (str(child), 6)


def test_a_lane_group_error_from_child_values_points_to_the_child(write_yaml):
    write_yaml(BASE, "base.yaml")
    child = write_yaml(CHILD.replace("{lanes: 3}", "{lanes: 1, open: 2}"), "child.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    (problem,) = info.value.problems
    assert "open lanes (2)" in problem.message
    assert (problem.file, problem.line) == (str(child), 9)


# --- --set overrides ---------------------------------------------------------------------------


def test_override_a_lane_count(write_yaml):
    path = write_yaml(BASE)
    scenario = load_scenario(path, ["stages.primary.lanes.general.lanes=3"])
    assert scenario.stages["primary"].lanes["general"].lanes == 3
    assert load_scenario(path).stages["primary"].lanes["general"].lanes == 2  # file unchanged


def test_override_a_list_item(example_path):
    before = load_scenario(example_path).stages["primary"].lanes["general"].open
    after = load_scenario(example_path, ["stages.primary.lanes.general.open[3]=2"])
    after_open = after.stages["primary"].lanes["general"].open
    assert before[3] == 1 and after_open[3] == 2
    assert after_open[:3] + after_open[4:] == before[:3] + before[4:]


def test_override_values_are_read_as_yaml(write_yaml):
    path = write_yaml(BASE)
    scenario = load_scenario(
        path,
        [
            "horizon=6 h",
            "streams.car.arrivals={per_day: 480}",
            "streams.car.route=[primary]",
            "stages.primary.service.default={dist: lognormal, mean: 40 s, cv: 0.5}",
            "name=NO",
        ],
    )
    assert scenario.horizon == 6 * 3600
    assert scenario.streams["car"].arrivals.per_day == 480
    assert scenario.streams["car"].arrivals.per_hour is None  # the map was replaced
    assert scenario.streams["car"].route == ("primary",)
    assert scenario.stages["primary"].service["default"].moments == (40.0, 0.5)
    assert scenario.name == "NO"


def test_later_overrides_win(write_yaml):
    scenario = load_scenario(write_yaml(BASE), ["replications=3", "replications=4"])
    assert scenario.replications == 4


def test_overrides_of_a_dict_scenario():
    scenario = load_scenario(ALL_KINDS, ["stages.b.lanes.bays.lanes=4", "seed=9"])
    assert scenario.stages["b"].lanes["bays"].lanes == 4 and scenario.seed == 9
    assert ALL_KINDS["stages"]["b"]["lanes"]["bays"]["lanes"] == 2  # the caller's dict untouched


def _override_problems(path, *overrides):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, list(overrides))
    return info.value.problems


def test_override_of_an_unknown_key(write_yaml):
    item = "stages.primary.lanes.general.lanez=3"
    (problem,) = _override_problems(write_yaml(BASE), item)
    assert problem.file == f"--set {item}" and problem.line is None
    assert format_path(problem.path) == "stages.primary.lanes.general.lanez"
    assert "did you mean 'lanes'?" in problem.message
    assert str(problem).startswith(f"--set {item}: stages.primary.lanes.general.lanez: ")


def test_override_with_a_bad_value_is_blamed_on_the_override(write_yaml):
    item = "stages.primary.lanes.general.lanes=-1"
    (problem,) = _override_problems(write_yaml(BASE), item)
    assert problem.file == f"--set {item}"
    assert "found -1" in problem.message


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("stages.primary.lanes.general.lanes", "expected key.path=value"),
        ("streams.car.route[5]=x", "route[5]"),
        ("streams.car.route.first=x", "streams.car.route is not a map"),
        ("=3", "empty key path"),
        ("name=[unclosed", "YAML syntax error"),
    ],
)
def test_bad_override_paths_and_values(write_yaml, item, fragment):
    (problem,) = _override_problems(write_yaml(BASE), item)
    assert problem.file == f"--set {item}"
    assert fragment in problem.message


def test_every_bad_override_is_reported(write_yaml):
    problems = _override_problems(write_yaml(BASE), "seed", "streams.car.route[9]=x", "nokey")
    assert [p.file for p in problems] == [
        "--set seed",
        "--set streams.car.route[9]=x",
        "--set nokey",
    ]


def test_override_with_a_typo_in_the_middle_of_the_path(write_yaml):
    (problem,) = _override_problems(write_yaml(BASE), "stages.primary.lanes.genral.lanes=3")
    assert "genral" in problem.message


def test_override_of_an_item_of_a_list_that_is_not_there(example_path):
    item = "stages.primary.lanes.sentri.open[3]=1"
    (problem,) = _override_problems(example_path, item)
    assert problem.file == f"--set {item}"
    assert "{3: 1}" not in problem.message


def test_override_indexing_a_map_explains_itself(write_yaml):
    (problem,) = _override_problems(write_yaml(BASE), "stages.primary.lanes[0].lanes=2")
    assert "map" in problem.message.rsplit(":", 1)[-1]


def test_scenario_is_immutable(example_path):
    scenario = load_scenario(example_path)
    with pytest.raises(ValueError):
        scenario.seed = 3  # type: ignore[misc]
    assert isinstance(scenario, Scenario) and scenario.seed == 20261128


def test_units_are_lower_case():
    from borderflow.scenario.units import parse_duration

    with pytest.raises(ValueError, match="unknown unit 'MIN'"):
        parse_duration("5 MIN")
