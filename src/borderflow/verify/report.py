"""The verification report: one row per comparison, as a terminal table or a Markdown page.

The Markdown page is complete (what each case checks, the pass rule and bounds, how to
reproduce it, the result and the table), so ``borderflow verify -o docs/verification.md``
regenerates the committed page exactly as the program computed it.
"""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass, field

from .cases import BOUNDS


@dataclass(frozen=True)
class Row:
    """One comparison of the model with theory.

    ``kind`` is ``interval`` (theory against the mean and confidence interval of independent
    observations), ``test`` (a goodness-of-fit test: ``mean`` holds the statistic), ``exact``
    (an identity) or ``info`` (shown, not judged). ``rel_error`` is (mean - theory) / theory and
    ``half_width_ratio`` the interval's half-width / theory.
    """

    case: str
    quantity: str
    theory: float
    mean: float
    ci_low: float
    ci_high: float
    rel_error: float
    half_width_ratio: float
    passed: bool
    note: str = ""
    kind: str = "interval"
    unit: str = ""
    bound: str = ""
    """The largest accepted half-width, e.g. ``'≤ 2%'``."""
    n: int = 0
    """Observations (replications or batches) behind the interval."""
    inside: bool = True
    """Interval rows: the theory lies inside the interval."""
    narrow: bool = True
    """Interval rows: the half-width is within the bound."""
    p_value: float = math.nan
    null: str = ""
    """Goodness-of-fit rows: the reference distribution of the statistic."""

    @property
    def judged(self) -> bool:
        """Whether the row counts towards passing (``info`` rows do not)."""
        return self.kind != "info"

    def why(self) -> str:
        """Why a row failed, in a few words ('' when it passed)."""
        if self.passed:
            return ""
        if self.kind == "interval":
            reasons = []
            if not self.inside:
                reasons.append("theory outside the interval")
            if not self.narrow:
                reasons.append(f"interval too wide (bound {self.bound})")
            return "; ".join(reasons) or "not enough replications"
        if self.kind == "test":
            return "p-value below the threshold"
        return "identity does not hold"


@dataclass
class CaseReport:
    """The rows of one case, with how it was run."""

    name: str
    title: str
    checks: str
    file: str
    replications: int
    horizon_h: float
    warmup_h: float
    samples: int
    simulated: bool
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every judged row passed."""
        return all(r.passed for r in self.rows if r.judged)

    def plan(self) -> str:
        """How much was simulated, e.g. ``'40 runs × 1,000 h after a 20 h warm-up'``."""
        if not self.simulated:
            return f"{self.replications} batches × {self.samples:,} draws"
        counted = self.horizon_h - self.warmup_h
        if not self.warmup_h and counted % 24 == 0:
            days = counted / 24
            return f"{self.replications:,} runs × {days:g} day{'s' if days > 1 else ''}"
        return f"{self.replications:,} runs × {counted:,.0f} h after a {self.warmup_h:g} h warm-up"


@dataclass
class VerificationReport:
    """The outcome of ``borderflow verify``: rows by case, the pass rule's numbers, run facts."""

    cases: list[CaseReport]
    quick: bool
    family_alpha: float
    judged: int
    """Intervals and tests judged together (m of the Bonferroni rule)."""
    alpha: float
    """Each interval's 1 - confidence, and each test's p-value threshold: family_alpha / m."""
    jobs: int = 1
    wall_time_s: float = 0.0

    @property
    def rows(self) -> list[Row]:
        """Every row, case by case."""
        return [row for case in self.cases for row in case.rows]

    @property
    def passed(self) -> bool:
        """Whether every judged row of every case passed."""
        return all(case.passed for case in self.cases)

    def failed(self) -> list[Row]:
        """The judged rows that failed."""
        return [row for row in self.rows if row.judged and not row.passed]

    def failed_cases(self) -> list[str]:
        """Names of the cases with a failed row."""
        return [case.name for case in self.cases if not case.passed]

    def summary(self) -> str:
        """One line: how many checks passed, and which cases failed."""
        judged = sum(r.judged for r in self.rows)
        failed = self.failed()
        mode = "quick" if self.quick else "full"
        run = f"{mode} run, {self.wall_time_s:.0f} s on {self.jobs} process"
        run += "es" if self.jobs > 1 else ""
        if not failed:
            return f"PASS: all {judged} checks pass ({run})"
        return (
            f"FAIL: {len(failed)} of {judged} checks fail ({run}); "
            f"failing cases: {', '.join(self.failed_cases())}"
        )

    # --- text -----------------------------------------------------------------------------

    def to_text(self) -> str:
        """A plain-text table for the terminal, with the reason for each failure."""
        headers = ("case", "quantity", "theory", "simulated", "CI", "error", "½-width", "result")
        table = [headers]
        for row in self.rows:
            cells = _cells(row, self.alpha)
            table.append(
                (
                    row.case,
                    row.quantity,
                    cells["theory"],
                    cells["mean"],
                    cells["ci"],
                    cells["error"],
                    cells["half"],
                    cells["result"],
                )
            )
        widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
        right = {2, 3, 5, 6}
        lines = []
        for i, r in enumerate(table):
            line = "  ".join(
                c.rjust(w) if j in right else c.ljust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            lines.append(line.rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.append(
            f"CI: simultaneous {100 * (1 - self.family_alpha):g}% intervals (each at "
            f"{_level(self.alpha)}, Bonferroni over {self.judged} checks); tests pass at "
            f"p ≥ {self.alpha:.2g}."
        )
        for row in self.failed():
            lines.append(f"failed: {row.case}: {row.quantity}: {row.why()}")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    # --- Markdown -------------------------------------------------------------------------

    def to_markdown(self) -> str:
        """The whole verification page: explanation, pass rule, result, table and notes."""
        from .. import __version__

        mode = "quick" if self.quick else "full"
        out: list[str] = []
        add = out.append
        add("# Verification: borderflow against queueing theory\n")
        add(
            "<!-- Written by `borderflow verify"
            + (" --quick" if self.quick else "")
            + " -o FILE`. Do not edit by hand: run it again. -->\n"
        )
        add(_INTRO)
        add("## Result\n")
        judged = [r for r in self.rows if r.judged]
        failed = self.failed()
        exact = sum(r.kind == "exact" for r in judged)
        kinds = f"{self.judged} statistical comparisons and {exact} identities"
        if failed:
            add(
                f"**{len(failed)} of {len(judged)} checks fail** ({kinds}), in "
                f"{', '.join(f'`{c}`' for c in self.failed_cases())}. The failing rows are "
                "marked **fail** in the table, with the reason.\n"
            )
        else:
            add(f"**All {len(judged)} checks pass** ({kinds}).\n")
        versions = _versions()
        add(
            f"This is the {mode} run: {self.wall_time_s / 60:.1f} minutes on "
            f"{self.jobs} worker process{'es' if self.jobs > 1 else ''}; borderflow "
            f"{__version__}, {versions}.\n"
        )
        add("## How to reproduce\n")
        add("```sh")
        add("borderflow verify -o docs/verification.md   # the full run: this page")
        add("borderflow verify --quick                   # the short run that CI does")
        add("borderflow verify --case mm1_rho90          # one case (repeatable)")
        add("```\n")
        add(
            "The command prints the table and exits with code 0 when every check passes, 3 when "
            "any fails (2 for a bad option or case name). The seeds are fixed, so the same "
            "versions give the same numbers. Every case is an ordinary scenario file in "
            "`src/borderflow/verify/cases/`: open it, run it with `borderflow run`, change it. "
            "The theoretical values are computed from the file's own numbers, so a changed file "
            "is compared with its own theory.\n"
        )
        add("## The cases\n")
        add("| case | what it checks | scenario file | simulated |")
        add("|---|---|---|---|")
        for case in self.cases:
            add(
                f"| `{case.name}` | **{_md(case.title)}.** {_md(case.checks)} | "
                f"`{case.file}` | {case.plan()} |"
            )
        add("")
        add("## The pass rule\n")
        add(
            _RULE.format(
                family=f"{100 * (1 - self.family_alpha):g}%",
                alpha_family=f"{100 * self.family_alpha:g}%",
                m=self.judged,
                level=_level(self.alpha),
                alpha=f"{self.alpha:.2g}",
            )
        )
        add("| quantity | bound, quick run | bound, full run |")
        add("|---|---|---|")
        for quick_bound, full_bound, what in BOUNDS.values():
            add(f"| {what} | {quick_bound.describe()} | {full_bound.describe()} |")
        add("")
        add("## Table\n")
        add(
            "Theory and simulated values are in the unit of the quantity (minutes, travellers, "
            "per hour, seconds). *Error* is (simulated − theory) / theory; *½-width* is the "
            "interval's half-width / theory.\n"
        )
        add(
            "| case | quantity | theory | simulated | 95% CI (simultaneous) | error | ½-width "
            "| bound | result |"
        )
        add("|---|---|--:|--:|--:|--:|--:|--:|---|")
        for row in self.rows:
            c = _cells(row, self.alpha)
            result = c["result"] if row.passed or not row.judged else f"**fail**: {row.why()}"
            add(
                f"| `{row.case}` | {_md(row.quantity)} | {c['theory']} | {c['mean']} | "
                f"{c['ci']} | {c['error']} | {c['half']} | {row.bound or '—'} | {result} |"
            )
        add("")
        add("## Notes by case\n")
        for case in self.cases:
            add(f"### `{case.name}`: {_md(case.title)}\n")
            for note in case.notes:
                add(f"* {_md(note)}")
            seen: set[str] = set()
            for row in case.rows:
                if row.note and row.note not in seen:
                    seen.add(row.note)
                    add(f"* {_md(row.quantity)}: {_md(row.note)}")
            add("")
        add(_BROKEN)
        return "\n".join(out).rstrip() + "\n"


def _cells(row: Row, alpha: float) -> dict[str, str]:
    if row.kind == "test":
        return {
            "theory": f"p ≥ {alpha:.2g}",
            "mean": f"p = {row.p_value:.3g}",
            "ci": f"{row.null}: {row.mean:.4g}",
            "error": "—",
            "half": "—",
            "result": "pass" if row.passed else "FAIL",
        }
    if row.kind == "exact":
        return {
            "theory": _num(row.theory),
            "mean": _num(row.mean),
            "ci": "exact",
            "error": "—",
            "half": "—",
            "result": "pass" if row.passed else "FAIL",
        }
    ci = "—" if math.isnan(row.ci_low) else f"[{_num(row.ci_low)}, {_num(row.ci_high)}]"
    result = "not judged" if row.kind == "info" else "pass" if row.passed else "FAIL"
    return {
        "theory": _num(row.theory),
        "mean": _num(row.mean),
        "ci": ci,
        "error": _signed_percent(row.rel_error),
        "half": _percent(row.half_width_ratio),
        "result": result,
    }


def _num(x: float) -> str:
    if x is None or math.isnan(x):
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _percent(x: float) -> str:
    if math.isnan(x):
        return "—"
    return f"{100 * x:.2f}%" if abs(x) < 0.1 else f"{100 * x:.1f}%"


def _signed_percent(x: float) -> str:
    if math.isnan(x):
        return "—"
    return f"{100 * x:+.2f}%" if abs(x) < 0.1 else f"{100 * x:+.1f}%"


def _level(alpha: float) -> str:
    return f"{100 * (1 - alpha):.3f}%"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _versions() -> str:
    import numpy
    import scipy
    import simpy

    return (
        f"Python {platform.python_version()}, SimPy {simpy.__version__}, "
        f"numpy {numpy.__version__}, scipy {scipy.__version__}"
    )


_INTRO = """\
A planner who takes borderflow's waits to a budget meeting should be able to show that the
simulation computes what it claims. This page is that evidence. Each case below is a small port
whose right answer is known from queueing theory: one booth with random arrivals and
inspections (M/M/1, M/D/1, M/G/1), a pedestrian hall with ten officers and one line (M/M/10),
a lane of stacked booths that never runs out of cars, and a whole day with a morning peak and a
staffing schedule (M(t)/M/c(t)). borderflow simulates each one exactly as it simulates a real
port, and the simulated waits, queue lengths, utilisation and throughput are set against the
theory. Little's law (the average number waiting equals the arrival rate times the average
wait) is checked on every case where it applies. Separate checks look at the parts: arrivals
against their hourly rates, every inspection-time distribution, referral shares, and that no
traveller is ever lost.

The theory comes from `borderflow.theory` (textbook formulas, with references: Gross et al.,
*Fundamentals of Queueing Theory*; Little, 1961) and is computed from each case file's own
numbers. The real ports are more complicated than these cases (several lanes per line, lane
choice, several stages), and no formula gives their waits; what the cases show is that the
parts borderflow builds them from behave as theory says they must, to the precision stated in
each row.
"""

_RULE = """\
Each simulated value is the mean over independent replications: long runs after a warm-up for
the steady-state cases (each run is one independent batch), whole days for the 24-hour case,
batches of draws for the distributions. Around each mean is a Student-t confidence interval. A
row **passes** when

1. the theoretical value lies inside the interval, and
2. the interval is narrow: its half-width is at most the bound in the table below. A pass
   therefore means the simulation agrees with theory to within that precision, not merely that
   it was too noisy to disagree.

The intervals are **simultaneous {family} intervals**. {m} intervals and tests are judged
together, so each interval is computed at confidence {level}, and each goodness-of-fit test
(chi-square, Kolmogorov-Smirnov) passes when its p-value is at least {alpha}: Bonferroni's rule,
{alpha_family} shared among {m}. If the model is right, the chance that any row of the page fails
is at most {alpha_family}, so a failure is a reason to look for a bug, not bad luck. The seeds
are fixed and were not chosen to pass.

Some rows are identities, which hold in every run and must hold to rounding: conservation
(every traveller who arrives leaves, and the port is empty when the run ends), every arrival
counted in the hourly table, no arrivals in an hour whose rate is 0, and a constant inspection
time being constant. Little's law (the time-average number waiting equals the
arrival rate times the mean wait, both from the same replication) holds on average in a long
run, and exactly in a run that starts and ends empty; it is checked as the ratio Lq / (λ · W),
whose theoretical value is 1.

Rows marked *not judged* are shown for information: the hours of the 24-hour case that start
with booths closing, where the model (a closing booth finishes its traveller, as real booths do)
and the equations (a server is removed at once) differ by design; the notes of the case give
the details.
"""

_BROKEN = """\
## What a failure looks like

The test suite (`tests/verify/`) runs the quick catalogue, and also breaks the model on purpose
to show that the catalogue can tell: with every inspection 10% slower than its distribution
says, the M/M/1 and M/D/1 cases (waits and utilisation) and the inspection-time means fail;
with lanes that never close when the staffing schedule drops, the 24-hour case fails in the
busy hours after each closing, while the M/M/1 case, which has no schedule, still passes.
"""
