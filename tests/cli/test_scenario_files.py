"""``borderflow check`` and ``run`` on files that are not scenarios, and on a what-if that
changes nothing: exit code 2 with the file named and its content not shown, or a warning."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from borderflow.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

BASE = """\
name: small port
horizon: 2 h
replications: 1
streams:
  car:
    arrivals: {per_hour: 60}
    route: [primary]
stages:
  primary:
    lanes:
      general: {lanes: 2}
    service:
      default: {dist: exponential, mean: 30 s}
"""

ACCOUNTS = "".join(
    f"{user}:x:{i}:{i}:{user}:/home/{user}:/bin/bash\n"
    for i, user in enumerate(["root", "daemon", "alice"])
)


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(
    "accounts", [ACCOUNTS, ACCOUNTS.replace(":x:", ": x:")], ids=["lines", "key-value"]
)
def test_an_account_file_is_named_and_not_echoed(tmp_path, command, accounts):
    write(tmp_path, "accounts.yaml", accounts)
    path = write(tmp_path, "what_if.yaml", "name: x\nextends: accounts.yaml\n")
    code, out, err = cli(command, path)
    assert code == 2, err
    assert "accounts.yaml" in err
    assert "/bin/bash" not in out + err and "alice" not in out + err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nextends: base.txt\n", "cannot extend 'base.txt'"),
        ("name: x\nextends: /etc/passwd\n", "cannot extend '/etc/passwd'"),
        ("name: x\nextends: /proc/self/status\n", "cannot extend '/proc/self/status'"),
        ("name: x\nextends: /dev/zero\n", "cannot extend '/dev/zero'"),
    ],
)
def test_extends_a_file_that_is_not_yaml(tmp_path, text, message):
    write(tmp_path, "base.txt", BASE)
    path = write(tmp_path, "what_if.yaml", text)
    code, _, err = cli("check", path)
    assert code == 2
    assert f"{path}:2:1: extends: {message}: a scenario file's name ends in .yaml or .yml" in err
    assert "root:" not in err and "Name:" not in err


def test_the_scenario_file_must_be_yaml(tmp_path):
    path = write(tmp_path, "port.txt", BASE)
    code, _, err = cli("check", path)
    assert code == 2
    assert f"{path}: the name of a scenario file must end in .yaml or .yml" in err


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_a_proc_file_behind_a_yaml_name(tmp_path):
    (tmp_path / "status.yaml").symlink_to("/proc/self/status")
    code, _, err = cli("check", tmp_path / "status.yaml")
    assert code == 2
    assert "is a system file under /proc" in err and "Name:" not in err


def test_at_most_twenty_unknown_keys_are_printed(tmp_path):
    extra = "".join(f"    colour{i}: red\n" for i in range(40))
    path = write(
        tmp_path,
        "port.yaml",
        BASE.replace("    route: [primary]\n", "    route: [primary]\n" + extra),
    )
    code, _, err = cli("check", path)
    assert code == 2
    assert err.count("unknown key '") == 20
    assert f"{path}: ... and 20 more unknown keys (only the first 20 are listed)" in err


def test_a_stream_named_all_is_refused_at_its_line(tmp_path):
    path = write(tmp_path, "port.yaml", BASE.replace("  car:\n", "  all:\n"))
    code, _, err = cli("check", path)
    assert code == 2
    assert f"{path}:5:3: streams.all: the stream name 'all' is reserved" in err


@pytest.mark.parametrize("command", ["check", "run", "compare"])
def test_a_what_if_that_changes_nothing_is_warned(tmp_path, command):
    base = write(tmp_path, "base.yaml", BASE)
    path = write(tmp_path, "what_if.yaml", "extends: base.yaml\nname: faster\nreplications: 1\n")
    options = {"check": (), "run": ("--jobs", "1"), "compare": ("--jobs", "1", "-q")}[command]
    first = (base,) if command == "compare" else ()
    code, _, err = cli(command, *first, path, *options)
    assert code == 0, err
    base = tmp_path / "base.yaml"
    assert f"warning: {path} changes nothing of {base} except its name\n" in err


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_real_what_if_is_not_warned(tmp_path, command):
    extra = [
        "--set",
        "horizon=2 h",
        "--set",
        "warmup=0 h",
        "--replications",
        "1",
        "--jobs",
        "1",
        "-q",
    ]
    code, _, err = cli(
        command, SCENARIOS / "san_ysidro_rfid.yaml", *(extra if command == "run" else [])
    )
    assert code == 0, err
    assert "changes nothing" not in err
