"""Figures of runs, comparisons and sweeps, from their output directories or from the results in
memory.

One function per figure, each taking a directory, a result in memory
(:class:`~borderflow.runner.RunResult`, :class:`~borderflow.experiments.compare.Comparison`,
:class:`~borderflow.experiments.sweep.SweepResult`) or the data read from either
(:mod:`borderflow.plots.io`), and returning a matplotlib :class:`~matplotlib.figure.Figure` drawn
with the Agg renderer and not registered with pyplot (nothing to close, nothing shown):

* a run (``borderflow run -o DIR``): :func:`~borderflow.plots.run.hourly_wait`,
  :func:`~borderflow.plots.run.wait_distribution`, :func:`~borderflow.plots.run.queue_by_hour`,
  :func:`~borderflow.plots.run.utilization_heatmap`, :func:`~borderflow.plots.run.demand_capacity`;
* a comparison: :func:`~borderflow.plots.compare.hourly_wait_comparison`,
  :func:`~borderflow.plots.compare.metric_changes`;
* a sweep: :func:`~borderflow.plots.sweep.sweep_lines`,
  :func:`~borderflow.plots.sweep.sweep_heatmap`.

:func:`plan` lists the figures a directory or result calls for, :func:`write_plots` saves them
(into ``DIR/plots/`` for a directory: what ``borderflow plot`` does).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from . import compare, region, run, staffing, sweep
from .io import (
    ComparisonData,
    Data,
    PlotInputError,
    RunData,
    Source,
    StaffingData,
    SweepData,
    directory_of,
    kind_of,
    load,
    no_directory,
)
from .style import is_minutes, slug

FORMATS = ("png", "svg", "pdf")
DEFAULT_SWEEP_METRIC = "wait_p95_min"
DEFAULT_TARGET_MIN = 30.0
"""Target of the sweep heatmap's contour for metrics in minutes, unless another is given."""

__all__ = [
    "FORMATS",
    "ObservedWaits",
    "PlannedFigure",
    "Plan",
    "PlotInputError",
    "compare",
    "figure_bytes",
    "kind_of",
    "load",
    "plan",
    "run",
    "save_figure",
    "staffing",
    "sweep",
    "write_plots",
]


@dataclass
class ObservedWaits:
    """Observed waits to draw a run against (:func:`borderflow.plots.run.observed_waits`)."""

    path: str | Path
    """CSV of observed mean waits: ``month, weekday, hour`` and a column per lane type."""
    offset_min: float | dict[str, float] = 0.0
    """Minutes of each observed wait that are not queueing (CBP's no-queue time): one number,
    or minutes by column (``""``: the other columns)."""
    reporting: str = "arrival"
    """``arrival``: by hour of arrival; ``booth``: by the hour the booth is reached (CBP's)."""
    months: tuple[int, ...] | None = None
    weekdays: tuple[int, ...] | None = None


@dataclass
class PlannedFigure:
    """A figure to draw: its file name (without extension), a caption, and how to draw it."""

    name: str
    caption: str
    draw: Callable[[], Figure]


@dataclass
class Plan:
    """What a directory or result holds and the figures it calls for."""

    kind: str
    """``'run'``, ``'comparison'`` or ``'sweep'``."""
    figures: list[PlannedFigure]
    notes: list[str] = field(default_factory=list)
    """Figures left out, and why."""
    data: Data | region.RegionData | None = None
    """The :class:`~borderflow.plots.io.RunData`, ``ComparisonData``, ``SweepData`` or
    ``RegionData``."""
    options: dict[str, Any] = field(default_factory=dict)
    """The choices made for the figures (a sweep's ``metric``, ``streams`` and ``target``),
    defaults filled in: the report uses the same."""


def plan(
    source: Source,
    *,
    metric: str | None = None,
    streams: list[str] | None = None,
    target: float | None = None,
    observed: ObservedWaits | str | Path | None = None,
) -> Plan:
    """The figures for what ``source`` holds.

    Args:
        source: a run, comparison or sweep directory; a
            :class:`~borderflow.runner.RunResult`,
            :class:`~borderflow.experiments.compare.Comparison` or
            :class:`~borderflow.experiments.sweep.SweepResult` in memory; or the data of
            either (:func:`borderflow.plots.io.load`).
        metric: the metric of the sweep figures (default ``wait_p95_min``).
        streams: the streams of the sweep figures, one figure each (default: the stream whose
            metric changes most over the points, see :func:`default_sweep_stream`).
        target: the value of the sweep heatmap's contour, in the metric's unit (default 30 for
            metrics in minutes, none otherwise).
        observed: runs: observed waits by hour to draw the run against (a CSV file, or an
            :class:`ObservedWaits` with the CBP options).

    Raises:
        PlotInputError: the directory holds nothing to plot, or a file in it is unusable.
        TypeError: ``source`` is none of these.
    """
    regional = region.plan_of(source)  # a region folder or result: plots/region.py
    if regional is not None:
        return Plan("region", [PlannedFigure(*f) for f in regional[1]], data=regional[0])
    data = load(source)
    if isinstance(data, RunData):
        if observed is not None and not isinstance(observed, ObservedWaits):
            observed = ObservedWaits(observed)
        return _run_plan(data, observed)
    if isinstance(data, ComparisonData):
        return _comparison_plan(data)
    if isinstance(data, StaffingData):
        return _staffing_plan(data)
    return _sweep_plan(data, metric, streams, target)


def _staffing_plan(data: StaffingData) -> Plan:
    figures = []
    for i, (stream, metric, value) in enumerate(staffing.targets_of(data)):
        figures.append(
            PlannedFigure(
                f"staffing_{slug(stream)}_{slug(metric)}",
                f"Lanes open by hour for {stream} (found, stationary, the scenario's own) and "
                f"{metric} by hour of arrival against the target {value:g}, with the found "
                "schedule's 95% confidence band.",
                functools.partial(staffing.staffing_by_hour, data, i),
            )
        )
    return Plan("staffing", figures, data=data)


def _comparison_plan(data: ComparisonData) -> Plan:
    figures = [
        PlannedFigure(
            "comparison_changes",
            "Change in the headline metrics (alternative − base), by stream, with 95% "
            "confidence intervals.",
            lambda: compare.metric_changes(data),
        )
    ]
    notes = []
    if data.base is not None and data.alternatives:
        figures.insert(
            0,
            PlannedFigure(
                "comparison_wait_by_hour",
                "Mean wait by hour of arrival: the base scenario and each alternative.",
                lambda: compare.hourly_wait_comparison(data),
            ),
        )
    else:
        notes.append(
            "hourly profiles left out: no run folders of the base and the "
            "alternatives next to comparison.csv"
        )
    return Plan("comparison", figures, notes, data)


def _sweep_plan(
    data: SweepData, metric: str | None, streams: list[str] | None, target: float | None
) -> Plan:
    metric = metric or DEFAULT_SWEEP_METRIC
    if target is None and is_minutes(metric):
        target = DEFAULT_TARGET_MIN
    figures: list[PlannedFigure] = []
    notes: list[str] = []
    if metric not in data.metrics:
        sweep.check_selection(data, data.streams[0] if data.streams else "all", metric)
    streams = streams or [default_sweep_stream(data, metric)]
    for stream in streams:
        made, left_out = sweep.plan_figures(data, metric, stream, target)
        figures += [PlannedFigure(name, caption, draw) for name, caption, draw in made]
        notes += [n for n in left_out if n not in notes]
    options = {"metric": metric, "streams": streams, "target": target}
    return Plan("sweep", figures, notes, data, options)


def default_sweep_stream(data: SweepData, metric: str) -> str:
    """The stream whose ``metric`` changes most over the sweep's points (largest range of the
    means; ``all`` only when no single stream changes): averaging over every stream, ``all``
    dilutes the effect of a change that reaches one stream."""
    best, spread = "all", 0.0
    for stream in data.streams:
        if stream == "all":
            continue
        means = [e.mean for e in data.result(stream, metric).values() if e.mean == e.mean]
        if len(means) > 1 and max(means) - min(means) > spread:
            best, spread = stream, max(means) - min(means)
    return best if best != "all" or "all" in data.streams else (data.streams or ["all"])[0]


def _run_plan(data: RunData, observed: ObservedWaits | None) -> Plan:
    figures = _run_figures(data)
    notes = []
    if data.trace_rows() is not None:
        figures += [
            PlannedFigure(
                "share_waiting_over",
                "How many wait long, and when? The share of each stream's travellers who waited "
                "more than 30 and more than 60 minutes, by hour of arrival.",
                lambda: run.share_waiting_over(data),
            ),
            PlannedFigure(
                "input_output",
                "When does the line build up and clear? Cumulative arrivals and inspections "
                "started through the day (one replication): the gap between them is the line.",
                lambda: run.input_output(data),
            ),
        ]
    else:
        notes.append(
            "share waiting over 30/60 minutes and input–output diagram left out: they need "
            "trace.csv (borderflow run --trace)"
        )
    if observed is not None:
        o = observed
        figures.append(
            PlannedFigure(
                "observed_waits",
                "Does the model reproduce what travellers saw? Simulated against observed mean "
                "waits by hour (observed less the minutes its readers show with no queue).",
                lambda: run.observed_waits(
                    data, str(o.path), o.offset_min, o.reporting, o.months, o.weekdays
                ),
            )
        )
    return Plan("run", figures, notes, data)


def _run_figures(data: RunData) -> list[PlannedFigure]:
    return [
        PlannedFigure(
            "wait_by_hour",
            "Who waits, and when? Mean wait by hour of arrival for each stream, with its 95% "
            "confidence band, and the 95th percentile wait (dashed).",
            lambda: run.hourly_wait(data),
        ),
        PlannedFigure(
            "wait_distribution",
            "How long do most travellers wait? The share who waited at most a given time, by "
            "stream.",
            lambda: run.wait_distribution(data),
        ),
        PlannedFigure(
            "queue_by_hour",
            "Where do the lines form? Travellers in line in each lane group through the day: "
            "time-average and hourly maximum.",
            lambda: run.queue_by_hour(data),
        ),
        *(
            [
                PlannedFigure(
                    "storage_by_hour",
                    "Does the queue fit? The longest line by hour against the storage of each "
                    "stage that has one (shaded: full half the hour or more), and the booths "
                    "held by vehicles with no room ahead.",
                    lambda: run.storage_by_hour(data),
                )
            ]
            if run.storages(data.meta.get("scenario") or {})
            else []
        ),
        PlannedFigure(
            "utilization",
            "Are the open booths busy? Booth utilisation of each lane group by hour, with the "
            "lanes open.",
            lambda: run.utilization_heatmap(data),
        ),
        PlannedFigure(
            "demand_capacity",
            "When is the port short of booths? Inspection work arriving against the capacity "
            "of the open lanes, by hour: shaded hours are short.",
            lambda: run.demand_capacity(data),
        ),
        PlannedFigure(
            "lanes_needed",
            "How many lanes should be open? Lanes open against the lanes needed to keep up "
            "with the arrivals (and at 85% utilisation), by hour.",
            lambda: run.lanes_needed(data),
        ),
    ]


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Save ``figure`` (format from the extension: png, svg or pdf) and release its drawing."""
    path = Path(path)
    path.write_bytes(figure_bytes(figure, path.suffix.lstrip(".").lower()))
    return path


def figure_bytes(figure: Figure, fmt: str = "png", dpi: float | None = None) -> bytes:
    """``figure`` as the bytes of a ``png``, ``svg`` or ``pdf`` file, then released.

    PNGs are reduced to 256 colours (figures have few: the palette, anti-aliasing), which makes
    them about three times smaller for slides, e-mails and reports with no visible change.
    """
    buffer = BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt))
    figure.clear()
    data = buffer.getvalue()
    return _shrink_png(data) if fmt == "png" else data


def _shrink_png(data: bytes) -> bytes:
    from PIL import Image

    image = Image.open(BytesIO(data)).convert("RGB")
    fewer = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = BytesIO()
    fewer.save(buffer, format="PNG", optimize=True, dpi=image.info.get("dpi", (110, 110)))
    smaller = buffer.getvalue()
    return smaller if len(smaller) < len(data) else data


def _metadata(fmt: str) -> dict[str, object]:
    # no creation date or software version in the files: the same results give the same bytes
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "pdf":
        return {"CreationDate": None, "Producer": None, "Creator": None}
    return {}


def write_plots(
    source: Source,
    out_dir: str | Path | None = None,
    fmt: str = "png",
    *,
    metric: str | None = None,
    streams: list[str] | None = None,
    target: float | None = None,
    observed: ObservedWaits | str | Path | None = None,
) -> tuple[list[Path], list[str]]:
    """Draw the figures of ``source`` and save them into ``out_dir``. Returns the files written
    and notes on figures left out.

    Args:
        source: a run, comparison or sweep directory, or a result in memory (a
            :class:`~borderflow.runner.RunResult`,
            :class:`~borderflow.experiments.compare.Comparison` or
            :class:`~borderflow.experiments.sweep.SweepResult`), or the data of either.
        out_dir: the folder of the figures; default ``DIR/plots/`` for a directory. Required
            for a result in memory, which has no directory.
        fmt: ``png``, ``svg`` or ``pdf``.
        metric, streams, target: choose the sweep figures, as for :func:`plan`.
        observed: runs: observed waits to draw the run against, as for :func:`plan`.

    Raises:
        PlotInputError: nothing to plot in the directory, an unknown format, or a file that
            cannot be written.
        TypeError: no ``out_dir`` for a result in memory, or ``source`` is not something to
            plot.
    """
    if fmt not in FORMATS:
        raise PlotInputError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    folder = _plots_folder(source, out_dir)
    figures = plan(source, metric=metric, streams=streams, target=target, observed=observed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlotInputError(f"cannot create {folder}: {exc.strerror or exc}") from None
    written = []
    for figure in figures.figures:
        path = folder / f"{figure.name}.{fmt}"
        try:
            save_figure(figure.draw(), path)
        except OSError as exc:
            raise PlotInputError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written, figures.notes


def _plots_folder(source: Source, out_dir: str | Path | None) -> Path:
    """``out_dir``, or the ``plots`` folder of the directory that ``source`` was read from."""
    if out_dir is not None:
        return Path(out_dir)
    directory = directory_of(source)
    if directory is None:
        raise no_directory("write_plots", "out_dir", source)
    return directory / "plots"
