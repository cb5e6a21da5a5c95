"""Which files a scenario may name, and what an error says about a file that is not one.

A scenario file, and each file it ``extends``, is named ``.yaml`` or ``.yml``; an empirical
``file:`` is ``.csv`` or ``.txt``. Files under /proc, /sys and /dev are refused whatever their
name. A file that is refused or cannot be read is named in the error, and its content is never
echoed (a system account file, say, does not have its lines listed as unknown keys).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from borderflow.scenario import Problem, ScenarioError, load_document, load_scenario
from borderflow.scenario import load as load_module
from borderflow.scenario.validate import MAX_UNKNOWN_KEYS

BASE = """\
name: test port
horizon: 4 h
replications: 2
streams:
  car:
    arrivals: {per_hour: 600}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 2, serves: [car]}
    service:
      default: {dist: exponential, mean: 30 s}
"""

EMPIRICAL = BASE.replace(
    "default: {dist: exponential, mean: 30 s}", "default: {dist: empirical, file: times.csv}"
)

ACCOUNTS = "".join(
    f"{user}:x:{i}:{i}:{user}:/home/{user}:/bin/bash\n"
    for i, user in enumerate(["root", "daemon", "alice", "bob"])
)
"""Lines in the form of a system account file."""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(source: object) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(source)  # type: ignore[arg-type]
    return info.value.problems


def the_problem(source: object) -> Problem:
    found = problems(source)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["base.txt", "base.json", "base", "base.yaml.bak"])
def test_extends_names_a_yaml_file(tmp_path, name):
    write(tmp_path, name, BASE)
    path = write(tmp_path, "child.yaml", f"name: child\nextends: {name}\n")
    problem = the_problem(path)
    assert (problem.file, problem.line, problem.column) == (str(path), 2, 1)
    assert problem.path == ("extends",)
    assert problem.message == (
        f"cannot extend {name!r}: a scenario file's name ends in .yaml or .yml"
    )


@pytest.mark.parametrize("name", ["base.yml", "base.YAML", "sub/base.Yml"])
def test_extends_accepts_yml_and_any_case(tmp_path, name):
    write(tmp_path, name, BASE)
    path = write(tmp_path, "child.yaml", f"name: child\nextends: {name}\n")
    assert load_scenario(path).name == "child"


def test_the_scenario_file_itself_is_named_yaml_or_yml(tmp_path):
    path = write(tmp_path, "port.txt", BASE)
    problem = the_problem(path)
    assert str(problem) == f"{path}: the name of a scenario file must end in .yaml or .yml"
    assert load_scenario(write(tmp_path, "port.yml", BASE)).name == "test port"


@pytest.mark.parametrize("name", ["times.yaml", "times.dat", "times"])
def test_an_empirical_file_is_csv_or_txt(tmp_path, name):
    write(tmp_path, name, "30 s\n40 s\n")
    path = write(tmp_path, "port.yaml", EMPIRICAL.replace("times.csv", name))
    problem = the_problem(path)
    assert problem.path == ("stages", "primary", "service", "default", "file")
    assert problem.message == (
        f"cannot read {name!r}: empirical times are read from a file whose name ends in "
        ".csv or .txt"
    )


def test_an_empirical_txt_file_of_numbers(tmp_path):
    write(tmp_path, "times.txt", "30\n40\n50\n")
    path = write(
        tmp_path, "port.yaml", EMPIRICAL.replace("file: times.csv", "file: times.txt, unit: s")
    )
    service = load_scenario(path).stages["primary"].service["default"]
    assert service.values == (30.0, 40.0, 50.0)


# --- system files ------------------------------------------------------------------------------

needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="needs /proc/self/status"
)


@needs_proc
def test_proc_files_are_refused_by_name(tmp_path):
    path = write(tmp_path, "child.yaml", "name: child\nextends: /proc/self/status\n")
    assert "cannot extend '/proc/self/status'" in the_problem(path).message
    assert "must end in .yaml" in the_problem("/proc/self/status").message


@needs_proc
def test_a_proc_file_under_a_yaml_name_is_refused(tmp_path):
    (tmp_path / "status.yaml").symlink_to("/proc/self/status")
    path = write(tmp_path, "child.yaml", "name: child\nextends: status.yaml\n")
    problem = the_problem(path)
    assert problem.path == ("extends",)
    assert "is a system file under /proc, not a scenario or data file" in problem.message
    problem = the_problem(tmp_path / "status.yaml")
    assert problem.message.startswith("cannot read this file: it is a system file under /proc")
    (tmp_path / "status.csv").symlink_to("/proc/self/status")
    problem = the_problem(
        write(tmp_path, "port.yaml", EMPIRICAL.replace("times.csv", "status.csv"))
    )
    assert "is a system file under /proc" in problem.message


@needs_proc
def test_a_file_that_reads_more_than_its_size_is_refused(tmp_path, monkeypatch):
    # /proc files say their size is 0 and read non-empty: refused even if /proc were allowed
    monkeypatch.setattr(load_module, "SYSTEM_DIRECTORIES", ())
    (tmp_path / "status.yaml").symlink_to("/proc/self/status")
    path = write(tmp_path, "child.yaml", "name: child\nextends: status.yaml\n")
    problem = the_problem(path)
    assert "it is not an ordinary file: it reads more than the 0 bytes its size says" in (
        problem.message
    )
    assert "Name:" not in str(problem)  # the first line of /proc/self/status


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused_under_any_name(tmp_path):
    assert (
        "cannot extend '/dev/zero'"
        in the_problem(write(tmp_path, "a.yaml", "name: a\nextends: /dev/zero\n")).message
    )
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    message = the_problem(write(tmp_path, "b.yaml", "name: b\nextends: zero.yaml\n")).message
    assert "not a regular file" in message


# --- no echo of a file that is not a scenario ----------------------------------------------------


def test_an_account_file_named_yaml_is_not_echoed(tmp_path):
    write(tmp_path, "accounts.yaml", ACCOUNTS)
    path = write(tmp_path, "child.yaml", "name: child\nextends: accounts.yaml\n")
    problem = the_problem(path)
    assert problem.file == str(tmp_path / "accounts.yaml")
    assert "found text of" in problem.message and "not key: value lines" in problem.message
    assert "/bin/bash" not in str(problem) and "root" not in problem.message


def test_a_map_of_foreign_keys_is_one_problem_naming_the_file(tmp_path):
    lines = ACCOUNTS.replace(":x:", ": x:")  # now a YAML map: root, daemon, ...
    write(tmp_path, "accounts.yaml", lines)
    path = write(tmp_path, "child.yaml", "name: child\nextends: accounts.yaml\n")
    problem = the_problem(path)
    assert (problem.file, problem.line, problem.path) == (str(path), 2, ("extends",))
    assert problem.message == (
        f"{str(tmp_path / 'accounts.yaml')!r} does not look like a scenario file: none of its "
        "4 top-level keys is a scenario key (name, streams, stages, ...); its keys are not "
        "listed"
    )
    assert "/bin/bash" not in str(problem) and "alice" not in str(problem)
    main = the_problem(tmp_path / "accounts.yaml")
    assert (main.file, main.line, main.column) == (str(tmp_path / "accounts.yaml"), 1, 1)
    assert main.message.startswith("this file does not look like a scenario file: none of its 4")


def test_a_few_known_keys_among_many_foreign_ones(tmp_path):
    text = "name: x\n" + "".join(f"user{i}: x:{i}:/bin/bash\n" for i in range(30))
    problem = the_problem(write(tmp_path, "port.yaml", text))
    assert "only 1 of its 31 top-level keys is a scenario key" in problem.message
    assert "user" not in problem.message


def test_a_scenario_with_typos_still_lists_them(tmp_path):
    text = BASE + "replication: 3\nsed: 4\n"
    found = problems(write(tmp_path, "port.yaml", text))
    assert [p.message.split(" (")[0] for p in found] == [
        "unknown key 'replication'",
        "unknown key 'sed'",
    ]


def test_at_most_twenty_unknown_keys_are_listed_per_file(tmp_path):
    streams = "".join(
        f"  s{i}: {{arrivals: {{per_hour: 1}}, route: [primary], colour{i}: red}}\n"
        for i in range(30)
    )
    text = BASE.replace("streams:\n", "streams:\n" + streams).replace(
        "serves: [car]", "serves: [car, " + ", ".join(f"s{i}" for i in range(30)) + "]"
    )
    path = write(tmp_path, "port.yaml", text)
    found = problems(path)
    unknown = [p for p in found if p.message.startswith("unknown key")]
    assert len(unknown) == MAX_UNKNOWN_KEYS
    assert str(found[-1]) == (
        f"{path}: ... and 10 more unknown keys (only the first {MAX_UNKNOWN_KEYS} are listed)"
    )


def test_an_account_file_as_empirical_times_is_not_echoed(tmp_path):
    write(tmp_path, "times.csv", ACCOUNTS)
    path = write(tmp_path, "port.yaml", EMPIRICAL)
    problem = the_problem(path)
    assert problem.path == ("stages", "primary", "service", "default", "file")
    assert problem.message.endswith(
        "times.csv: row 2, column 1 is not a duration with its unit (such as 70 s); for plain "
        "numbers give unit: s (or min, h)"
    )
    assert "/bin/bash" not in problem.message and "daemon" not in problem.message
    path = write(tmp_path, "port.yaml", EMPIRICAL.replace("times.csv", "times.csv, column: t"))
    problem = the_problem(path)
    assert problem.message.endswith("times.csv: no column 't' in its first row (1 column)")


def test_a_missing_column_suggests_a_close_one(tmp_path):
    write(tmp_path, "times.csv", "time_s,lane\n30,1\n")
    text = EMPIRICAL.replace("times.csv", "times.csv, column: time, unit: s")
    problem = the_problem(write(tmp_path, "port.yaml", text))
    assert problem.message.endswith(
        "no column 'time' in its first row (2 columns) (did you mean 'time_s'?)"
    )


def test_values_quoted_in_messages_are_cut(tmp_path):
    long = "x" * 5000
    text = BASE.replace("route: [primary]", f"route: [{long}]").replace(
        "name: test port", f"name: test port\nstart_day: {long}"
    )
    found = problems(write(tmp_path, "port.yaml", text))
    assert found and all(len(str(p)) < len(str(tmp_path)) + 400 for p in found), found


# --- reserved names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("all", "the results list every stream together under 'all'"),
        ("default", "in service: and visit: maps, 'default' is the value for every stream"),
    ],
)
def test_reserved_stream_names(tmp_path, name, why):
    text = BASE.replace("  car:\n", f"  {name}:\n").replace("serves: [car]", f"serves: [{name}]")
    path = write(tmp_path, "port.yaml", text)
    problem = the_problem(path)
    assert (problem.file, problem.line, problem.column) == (str(path), 5, 3)
    assert problem.path == ("streams", name)
    assert problem.message.startswith(f"the stream name {name!r} is reserved: {why}")
    assert problem.message.endswith("(rename the stream)")


def test_stages_and_lane_groups_may_be_called_all_or_default(tmp_path):
    text = BASE.replace("route: [primary]", "route: [all]").replace("  primary:\n", "  all:\n")
    text = text.replace("general: {", "default: {")
    scenario = load_scenario(write(tmp_path, "port.yaml", text))
    assert list(scenario.stages) == ["all"] and list(scenario.stages["all"].lanes) == ["default"]
    assert load_scenario(write(tmp_path, "b.yaml", BASE.replace("car", "All"))).streams


# --- a what-if that changes nothing ------------------------------------------------------------

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def what_if(tmp_path: Path, text: str) -> Path:
    write(tmp_path, "base.yaml", EMPIRICAL.replace("name: test port", "name: base\ndescription: b"))
    write(tmp_path, "times.csv", "30 s\n40 s\n")
    return write(tmp_path, "what_if.yaml", "extends: base.yaml\n" + text)


@pytest.mark.parametrize(
    ("text", "but"),
    [
        ("name: faster\n", " except its name"),
        ("", ""),
        ("name: faster\nhorizon: 4 h\nreplications: 2\n", " except its name"),
        ("name: faster\nstages: {primary: {lanes: {general: {lanes: 2}}}}\n", " except its name"),
        (
            "name: x\ndescription: c\nstreams: {car: {description: d}}\n",
            " except its name and descriptions",
        ),
    ],
    ids=["name-only", "nothing", "equal-values", "equal-nested", "descriptions"],
)
def test_a_what_if_that_changes_nothing_is_warned(tmp_path, text, but):
    path = what_if(tmp_path, text)
    scenario = load_scenario(path)
    base = str(tmp_path / "base.yaml")
    assert scenario.load_warnings == (f"{path} changes nothing of {base}{but}",)


def test_an_equal_duration_written_differently_is_a_change_of_the_text_only(tmp_path):
    # the comparison is of the file's data: '240 min' is another value than '4 h'
    assert load_scenario(what_if(tmp_path, "name: f\nhorizon: 240 min\n")).load_warnings == ()


@pytest.mark.parametrize(
    "text",
    [
        "name: faster\nreplications: 3\n",
        "name: faster\nstages: {primary: {lanes: {general: {lanes: 3}}}}\n",
        "name: faster\nstreams: {car: {occupants: 1.2}}\n",
    ],
)
def test_a_what_if_that_changes_something_is_not_warned(tmp_path, text):
    assert load_scenario(what_if(tmp_path, text)).load_warnings == ()


def test_the_same_empirical_file_name_in_another_folder_is_a_change(tmp_path):
    path = what_if(tmp_path, "name: x\n")
    write(tmp_path, "new/times.csv", "50 s\n")
    write(
        tmp_path,
        "new/what_if.yaml",
        "extends: ../base.yaml\nname: x\n"
        "stages: {primary: {service: {default: {dist: empirical, file: times.csv}}}}\n",
    )
    assert load_scenario(path).load_warnings  # base.yaml's own times.csv: unchanged
    assert load_scenario(tmp_path / "new" / "what_if.yaml").load_warnings == ()


def test_set_does_not_hide_the_warning_about_the_file(tmp_path):
    scenario = load_scenario(what_if(tmp_path, "name: x\n"), ("replications=5",))
    assert scenario.replications == 5 and len(scenario.load_warnings) == 1


def test_check_reports_the_warning(tmp_path):
    from borderflow.capacity import check

    report = check(what_if(tmp_path, "name: x\n"))
    assert report.warnings()[0].endswith("except its name")


def test_a_scenario_without_extends_or_from_a_dump_has_no_warning(tmp_path):
    assert load_scenario(write(tmp_path, "port.yaml", BASE)).load_warnings == ()
    warned = load_scenario(what_if(tmp_path, "name: x\n"))
    dumped = load_scenario(warned.model_dump(mode="json", exclude_none=True))
    assert warned.load_warnings and dumped.load_warnings == ()


def test_the_base_document_is_kept_as_it_was_read(tmp_path):
    doc = load_document(what_if(tmp_path, "name: x\n"))
    assert doc.base is not None
    service = doc.base.data["stages"]["primary"]["service"]["default"]
    assert service == {"dist": "empirical", "file": "times.csv"}  # not replaced by its values
    assert "values" in doc.data["stages"]["primary"]["service"]["default"]
    assert doc.warnings[0].endswith("except its name")


def test_no_shipped_scenario_is_warned():
    files = sorted(SCENARIOS.rglob("*.yaml"))
    assert any("extends:" in f.read_text(encoding="utf-8") for f in files)
    for file in files:
        assert load_scenario(file).load_warnings == (), file
