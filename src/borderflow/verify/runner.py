"""Running the catalogue: simulate each case, then judge every measurement together.

Replications are independent, so they are spread over worker processes (``jobs``); each worker
reduces a replication to the few numbers its case needs, which keeps what travels between
processes small. With ``jobs=1`` everything runs in this process (so a test can patch the model).

The pass rule (see :mod:`borderflow.verify.report` for how it is shown):

* An :class:`~.checks.Interval` passes when the theoretical value lies inside the Student-t
  confidence interval of the mean of its observations, and the interval's half-width is within
  the stated bound. Every interval and test of one run forms one family with a 95% confidence
  level overall: each interval is computed at level ``1 - 0.05/m`` and each test passes when
  ``p >= 0.05/m``, ``m`` being the number of intervals and tests judged (Bonferroni). With a
  correct model, the chance that *any* of them fails is then at most 5%.
* An :class:`~.checks.Exact` identity passes when it holds to rounding.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import partial

from ..analysis import estimate
from ..errors import whole
from ..execution import Chunk, default_jobs, executor_for, run_chunks
from ..model import ReplicationResult
from ..scenario import Scenario
from ..scenario.units import HOUR
from .cases import CATALOGUE, Case, Summary, select
from .checks import Exact, GoodnessOfFit, Interval, Measurement
from .report import CaseReport, Row, VerificationReport

FAMILY_ALPHA = 0.05
"""Chance, with a correct model, that one or more checks of a run fail (at most)."""

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, case)`` after each batch of replications."""


def verify(
    quick: bool = False,
    cases: Sequence[str] | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> VerificationReport:
    """Run the verification catalogue and judge it against queueing theory.

    Args:
        quick: the short plans (for CI) instead of the full ones.
        cases: names of the cases to run (default: all, see :data:`.cases.CATALOGUE`).
        progress: called as ``progress(done, total, case)`` as replications finish.
        jobs: worker processes (default: the number of cores; 1 runs in this process, which
            is what a test that patches the model needs).

    With ``jobs`` above 1 the workers are new processes that import the calling script, so a
    script that calls this must do so under ``if __name__ == "__main__":``.

    Raises:
        ValueError: an unknown case name, or ``jobs`` below 1.
    """
    selected = select(cases)
    jobs = default_jobs() if jobs is None else whole(jobs, "jobs")
    start = time.perf_counter()
    scenarios = {case.name: case.scenario(quick) for case in selected}
    summaries = _simulate_all(selected, scenarios, jobs, progress)
    outcomes = []
    for case in selected:
        measurements, notes = case.evaluate(
            scenarios[case.name], summaries[case.name], case.plan(quick), quick
        )
        outcomes.append((case, measurements, notes))
    judged = sum(
        isinstance(m, GoodnessOfFit) or (isinstance(m, Interval) and m.judged)
        for _, measurements, _ in outcomes
        for m in measurements
    )
    alpha = FAMILY_ALPHA / max(judged, 1)
    reports = [
        CaseReport(
            name=case.name,
            title=case.title,
            checks=case.checks,
            file=case.file,
            replications=scenarios[case.name].replications,
            horizon_h=scenarios[case.name].horizon / HOUR,
            warmup_h=scenarios[case.name].warmup / HOUR,
            samples=case.plan(quick).samples,
            simulated=case.summarise is not None,
            rows=[_row(case.name, m, alpha) for m in measurements],
            notes=notes,
        )
        for case, measurements, notes in outcomes
    ]
    return VerificationReport(
        cases=reports,
        quick=quick,
        family_alpha=FAMILY_ALPHA,
        judged=judged,
        alpha=alpha,
        jobs=jobs,
        wall_time_s=time.perf_counter() - start,
    )


def _row(case: str, m: Measurement, alpha: float) -> Row:
    """Judge one measurement: intervals at level ``1 - alpha``, tests at ``p >= alpha``."""
    if isinstance(m, Exact):
        rel = (m.value - m.theory) / m.theory if m.theory else math.nan
        return Row(
            case,
            m.quantity,
            m.theory,
            m.value,
            math.nan,
            math.nan,
            rel,
            math.nan,
            m.holds(),
            m.note,
            kind="exact",
            unit=m.unit,
        )
    if isinstance(m, GoodnessOfFit):
        return Row(
            case,
            m.quantity,
            math.nan,
            m.statistic,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            m.p_value >= alpha,
            m.note,
            kind="test",
            p_value=m.p_value,
            null=m.null,
        )
    e = estimate(m.values, confidence=1 - alpha)
    theory = m.theory
    allowed = m.tolerance.allowed(theory)
    slack = 1e-9 * max(abs(theory), 1e-12)  # identities that hold exactly in every replication
    if e.replications < 2 or math.isnan(e.ci_low):
        inside = narrow = False
    else:
        inside = e.ci_low - slack <= theory <= e.ci_high + slack
        narrow = e.half_width <= allowed
    scale = abs(theory) if theory else math.nan
    return Row(
        case,
        m.quantity,
        theory,
        e.mean,
        e.ci_low,
        e.ci_high,
        (e.mean - theory) / scale,
        e.half_width / scale,
        (inside and narrow) or not m.judged,
        m.note,
        kind="interval" if m.judged else "info",
        unit=m.unit,
        bound=m.tolerance.describe(m.unit),
        n=e.replications,
        inside=inside,
        narrow=narrow,
    )


# --------------------------------------------------------------------------- simulation


def _chunks(replications: int, jobs: int) -> list[range]:
    """Split replications into batches: a few per worker, so all finish near the same time."""
    size = max(1, replications // (8 * jobs))
    return [range(i, min(i + size, replications)) for i in range(0, replications, size)]


def _summarise(name: str, scenario: Scenario, result: ReplicationResult) -> Summary:
    """Reduce one replication of case ``name`` to its summary (in the worker)."""
    summarise = CATALOGUE[name].summarise
    assert summarise is not None
    return summarise(scenario, result)


def _simulate_all(
    cases: list[Case],
    scenarios: dict[str, Scenario],
    jobs: int,
    progress: Progress | None,
) -> dict[str, list[Summary]]:
    """Per case, the summaries of its replications in replication order."""
    chunks = [
        Chunk(
            (case.name, chunk.start),
            scenarios[case.name],
            scenarios[case.name].seed,
            tuple(chunk),
            trace=case.trace,
            reduce=partial(_summarise, case.name),
        )
        for case in cases
        if case.summarise is not None
        for chunk in _chunks(scenarios[case.name].replications, jobs)
    ]
    parts: dict[tuple[str, int], list[Summary]] = {}
    with executor_for(jobs) as pool:
        for done, (key, summaries) in enumerate(run_chunks(chunks, pool), 1):
            parts[key] = summaries
            if progress:
                progress(done, len(chunks), key[0])
    out: dict[str, list[Summary]] = {case.name: [] for case in cases}
    for (name, _), summaries in sorted(parts.items(), key=lambda kv: kv[0]):
        out[name].extend(summaries)
    return out
