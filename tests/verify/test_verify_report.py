"""``borderflow verify``: the command, its exit codes, and the Markdown page."""

from __future__ import annotations

from borderflow.cli import main
from borderflow.verify import verify


def test_markdown_page_has_rule_table_and_notes():
    report = verify(quick=True, cases=["stacked_saturated"], jobs=1)
    page = report.to_markdown()
    assert page.startswith("# Verification: borderflow against queueing theory")
    for heading in (
        "## Result",
        "## How to reproduce",
        "## The cases",
        "## The pass rule",
        "## Table",
        "## Notes by case",
    ):
        assert heading in page
    header = (
        "| case | quantity | theory | simulated | 95% CI (simultaneous) | error | ½-width "
        "| bound | result |"
    )
    assert header in page
    rows = [line for line in page.splitlines() if line.startswith("| `stacked_saturated` |")]
    assert len(rows) == len(report.rows) + 1  # + its line in the list of cases
    assert "borderflow verify -o docs/verification.md" in page
    assert f"All {len(report.rows)} checks pass" in page


def test_text_table_and_summary():
    report = verify(quick=True, cases=["stacked_saturated"], jobs=1)
    text = report.to_text()
    assert text.splitlines()[0].split()[:4] == ["case", "quantity", "theory", "simulated"]
    assert "throughput (vehicles per hour)" in text
    assert text.rstrip().splitlines()[-1].startswith("PASS: all 3 checks pass (quick run")


def test_cli_verify_writes_markdown_and_exits_0(tmp_path, capsys):
    out = tmp_path / "v.md"
    code = main(["verify", "--quick", "--case", "stacked_saturated", "-j", "1", "-o", str(out)])
    assert code == 0
    assert "PASS" in capsys.readouterr().out
    assert "| `stacked_saturated` |" in out.read_text(encoding="utf-8")


def test_cli_verify_bad_input_exits_2(capsys):
    assert main(["verify", "--case", "nope", "-j", "1"]) == 2
    assert "unknown case nope" in capsys.readouterr().err
    assert main(["verify", "--jobs", "0"]) == 2


def test_cli_verify_lists_cases(capsys):
    assert main(["verify", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "mm1_rho90" in listed and "time_varying_day" in listed
