"""Colours, labels and the look shared by every figure.

Colours come from the Okabe–Ito palette, which stays distinguishable with the common forms of
colour blindness. A stream's colour depends only on its name and the names of the other streams
in the same scenario (never on file order), so ``car_general`` has the same colour in every figure
of a run, a comparison or a sweep. Ordered values (a swept parameter, utilisation) use
``viridis``/``cividis``, which are colour-blind safe and print well in grey.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..findings import in_sentence

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
STREAM_PALETTE = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["yellow"],
)
"""Colours for streams; yellow last because it is faint on white."""
ALL_COLOR = "#333333"
"""Colour of the stream ``all`` (every stream together)."""
NEUTRAL = "#7f7f7f"
"""Grey for what is not a stream: capacity, the base scenario in comparisons."""
SHORT_COLOR = OKABE_ITO["vermillion"]
"""Shading of the hours where demand reaches capacity."""
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
SEQUENTIAL = "viridis"

RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.titlesize": 12,
    "figure.titleweight": "bold",
    "savefig.dpi": 110,
    "lines.linewidth": 1.8,
}

F = TypeVar("F", bound=Callable[..., Figure])


def styled(function: F) -> F:
    """Draw the figure of ``function`` with the shared style (fonts, grid, spines)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        # RC's keys are rcParams names; the stubs type them as literals, a plain dict is fine
        with matplotlib.rc_context(cast(Any, RC)):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float = 10.0, height: float = 5.5) -> Figure:
    """A figure drawn by Agg and not registered with pyplot: nothing stays open after use."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def stream_colors(streams: Iterable[str]) -> dict[str, str]:
    """A colour for each stream name, deterministic and distinct within the set.

    Each name hashes (CRC-32) to a preferred palette slot; names are placed in sorted order and a
    name whose slot is taken moves to the next free one. ``all`` is always dark grey. With more
    streams than colours, colours repeat (figures then also vary the line style).
    """
    names = sorted(set(streams) - {"all"})
    colors: dict[str, str] = {}
    taken: set[int] = set()
    n = len(STREAM_PALETTE)
    for name in names:
        slot = zlib.crc32(name.encode("utf-8")) % n
        if len(taken) < n:
            while slot in taken:
                slot = (slot + 1) % n
        taken.add(slot)
        colors[name] = STREAM_PALETTE[slot]
    colors["all"] = ALL_COLOR
    return colors


def sequential_colors(n: int, cmap: str = SEQUENTIAL) -> list[tuple[float, ...]]:
    """``n`` colours along a colour-blind-safe sequential map (ends trimmed for contrast)."""
    colormap = matplotlib.colormaps[cmap]
    if n == 1:
        return [colormap(0.35)]
    return [colormap(0.05 + 0.8 * i / (n - 1)) for i in range(n)]


def binned_norm(low: float, high: float, bins: int = 10, cmap: str = SEQUENTIAL) -> Any:
    """A colour scale of about ``bins`` even steps from ``low`` to ``high`` (round numbers).

    Steps are easier to read off than a continuous scale, and their colour bars stay clean in
    PNGs reduced to 256 colours.
    """
    from matplotlib.colors import BoundaryNorm
    from matplotlib.ticker import MaxNLocator

    if not high > low:
        low, high = low - 0.5, high + 0.5
    ticks = np.asarray(MaxNLocator(nbins=bins).tick_values(low, high), dtype=float)
    step = ticks[1] - ticks[0]
    levels = ticks[(ticks >= low - step) & (ticks <= high + step)]
    return BoundaryNorm(levels, matplotlib.colormaps[cmap].N)


def is_dark(norm: Any, value: float) -> bool:
    """True where ``viridis`` under ``norm`` is dark enough for white text."""
    levels = norm.boundaries
    return (value - levels[0]) / (levels[-1] - levels[0]) < 0.55


# --- labels ---------------------------------------------------------------------------------

_METRICS = {
    "entities": ("Travellers counted", "travellers"),
    "throughput_per_hour": ("Throughput", "travellers/h"),
    "wait_mean_min": ("Mean wait", "min"),
    "wait_p50_min": ("Median wait", "min"),
    "wait_p90_min": ("90th percentile wait", "min"),
    "wait_p95_min": ("95th percentile wait", "min"),
    "wait_max_min": ("Longest wait", "min"),
    "time_in_port_mean_min": ("Mean time in port", "min"),
}
_STAGE_METRICS = {
    "visits": ("visits to {stage}", "travellers"),
    "wait_mean_min": ("mean wait at {stage}", "min"),
    "utilization": ("{stage} utilisation", "fraction of staffed booth time"),
}


def metric_label(metric: str) -> tuple[str, str]:
    """(name, unit) of a metric of ``summary.csv``, e.g. ``('Mean wait', 'min')``."""
    if metric in _METRICS:
        return _METRICS[metric]
    stage, _, name = metric.rpartition(".")
    if stage and name in _STAGE_METRICS:
        label, unit = _STAGE_METRICS[name]
        text = label.format(stage=stage)
        return text[0].upper() + text[1:], unit
    if metric.endswith("_min"):
        return metric, "min"
    return metric, ""


def axis_label(metric: str, prefix: str = "") -> str:
    """Axis label of a metric with its unit, e.g. ``'Mean wait (min)'``."""
    name, unit = metric_label(metric)
    if prefix:
        name = f"{prefix}{name[0].lower()}{name[1:]}"
    return f"{name} ({unit})" if unit else name


def is_minutes(metric: str) -> bool:
    """True for metrics measured in minutes (waits, time in port)."""
    return metric_label(metric)[1] == "min"


def parameter_label(key_path: str, scenario: dict[str, Any] | None = None) -> str:
    """Readable label of a scenario key path, in a planner's words where the path is one of
    the usual ones: ``streams.car_general.arrivals.per_day`` -> ``General cars a day``,
    ``stages.primary.service.car_general.mean`` -> ``Primary inspection time of general
    cars``, ``stages.primary.lanes.general_stacked.lanes`` -> ``General stacked-booth lanes
    (cars): lanes``; other paths inside stages and streams as ``primary · lanes · open``, the
    rest as written (a linked parameter's own name, ``sentri_share``, becomes ``Sentri
    share``)."""
    parts = key_path.split(".")
    if len(parts) == 4 and parts[0] == "streams" and parts[2] == "arrivals":
        name = stream_label(parts[1], scenario)
        return f"{name} a day" if parts[3] == "per_day" else f"{name} an hour"
    if len(parts) == 5 and parts[0] == "stages" and parts[2] == "service":
        stage = stage_label(parts[1], scenario).removesuffix(" inspection")
        who = stream_label(parts[3], scenario) if parts[3] != "default" else "every stream"
        what = {"mean": "time", "median": "median time"}.get(parts[4], parts[4])
        return f"{stage} inspection {what} of {in_sentence(who)}"
    if len(parts) == 4 and parts[0] == "stages" and parts[2] == "visit":
        who = in_sentence(stream_label(parts[3], scenario))
        return f"Share of {who} sent to {in_sentence(stage_label(parts[1], scenario))}"
    if len(parts) == 5 and parts[0] == "stages" and parts[2] == "lanes":
        group = group_label(parts[1], parts[3], scenario)
        return {
            "lanes": f"{group}: lanes built",
            "open": f"{group}: lanes open",
            "booths_per_lane": f"{group}: booths per lane",
        }.get(parts[4], f"{group}: {parts[4]}")
    if len(parts) >= 3 and parts[0] in {"stages", "streams"}:
        return " · ".join(parts[1:])
    if len(parts) == 1 and "_" in key_path:
        return _phrase(_words(key_path))
    return key_path


def is_share(key_path: str) -> bool:
    """True for a swept value that is a share (a visit share, a linked ``..._share``): shown
    as a percentage."""
    return ".visit." in key_path or key_path.endswith("share")


def clock_label(hour: float, days: bool = False) -> str:
    """``hour`` from 00:00 of day 0 as a clock time (``06:00``), with the day at midnight when
    the axis spans several days (``00:00`` over ``day 1``)."""
    day, of_day = divmod(int(round(hour)), 24)
    text = f"{of_day:02d}:00"
    return f"{text}\nday {day}" if days and of_day == 0 else text


def set_clock_axis(ax: Any, first: int, last: int, label: str = "Hour of the day") -> None:
    """x axis in hours from 00:00 of day 0 (``first`` to ``last``), ticked as clock times. A
    span of one day or less is ticked 00:00 to 24:00, whichever day it is."""
    span = last - first
    # about a dozen labels however long the run: hours within a day or two, then midnights
    step = next(
        (
            s
            for limit, s in ((6, 1), (12, 2), (36, 3), (72, 6), (144, 12), (336, 24))
            if span <= limit
        ),
        24 * max(1, math.ceil(span / (24 * 12))),
    )
    ticks = [t for t in range(first - first % step, last + 1, step) if first <= t <= last]
    days = span > 24
    labels = [clock_label(t, days) if step < 24 else f"day {t // 24}" for t in ticks]
    if not days and ticks and ticks[-1] == last and last % 24 == 0 and last > first:
        labels[-1] = "24:00"
    ax.set_xticks(ticks, labels)
    ax.set_xlim(first, last)
    ax.set_xlabel(label)


def finish_panels(axes: Any, used: int, columns: int) -> None:
    """Of a grid of panels sharing their x axis (``axes``: the subplots raveled, row by row,
    ``columns`` a row), the first ``used`` drawn: hide the others, and show the x axis's ticks
    and label only on the lowest drawn panel of each column (nothing is drawn below it)."""
    for ax in axes[used:]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[:used]):
        if i + columns >= used:
            ax.xaxis.set_tick_params(labelbottom=True)
        else:
            ax.set_xlabel("")


def slug(text: str) -> str:
    """A file-name-safe form of ``text``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def wrap_names(names: Sequence[str], width: int = 60) -> str:
    """Names joined with ', ', cut with '…' beyond ``width`` characters."""
    text = ", ".join(names)
    return text if len(text) <= width else text[: width - 1] + "…"


# --- display names --------------------------------------------------------------------------

_MODE_WORDS = {"car": "cars", "pedestrian": "pedestrians", "truck": "trucks", "bus": "buses"}
_MODE_TOKENS = {"car", "cars", "pov", "ped", "peds", "pedestrian", "pedestrians", "truck"}
_MODE_TOKENS |= {"trucks", "bus", "buses"}
_WORDS = {
    "sentri": "SENTRI",
    "nexus": "NEXUS",
    "fast": "FAST",
    "ready": "Ready Lane",
    "rfid": "RFID",
    "nii": "X-ray (NII)",
    "us": "US",
    "single": "single-booth",
    "stacked": "stacked-booth",
    "mx": "Mexican",
    "dps": "DPS",
    "cbp": "CBP",
    "sat": "SAT",
}
_PLURAL_PLACES = {"lanes", "bays", "stations", "docks", "booths", "gates", "windows", "hall"}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\s.-]+", name) if w]


def _phrase(words: list[str]) -> str:
    out = [_WORDS.get(w.lower(), w.lower()) for w in words]
    text = " ".join(out)
    return text[:1].upper() + text[1:] if text else text


def _scenario_part(scenario: dict[str, Any] | None, *keys: str) -> dict[str, Any]:
    node: Any = scenario or {}
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def stream_label(name: str, scenario: dict[str, Any] | None = None) -> str:
    """Display name of a stream: its ``label:``, else made from its name and mode
    (``car_general`` -> ``General cars``, ``ped_ready`` -> ``Ready Lane pedestrians``);
    ``all`` is ``All travellers``."""
    if name == "all":
        return "All travellers"
    spec = _scenario_part(scenario, "streams", name)
    if spec.get("label"):
        return str(spec["label"])
    mode = str(spec.get("mode") or "")
    words = _words(name)
    if not mode:
        first = words[0].lower() if words else ""
        mode = {"ped": "pedestrian", "pov": "car"}.get(first, first.rstrip("s"))
    rest = [w for w in words if w.lower() not in _MODE_TOKENS]
    noun = _MODE_WORDS.get(mode, "")
    if not noun:
        return _phrase(words) or name
    return f"{_phrase(rest)} {noun}" if rest else noun.capitalize()


def stage_label(name: str, scenario: dict[str, Any] | None = None) -> str:
    """Display name of a stage: its ``label:``, else from its name (``primary`` ->
    ``Primary inspection``, ``secondary_ped`` -> ``Secondary inspection (pedestrians)``)."""
    spec = _scenario_part(scenario, "stages", name)
    if spec.get("label"):
        return str(spec["label"])
    words = _words(name)
    modes = [w for w in words if w.lower() in _MODE_TOKENS]
    rest = [w for w in words if w.lower() not in _MODE_TOKENS]
    text = _phrase(rest) or name
    if rest and rest[-1].lower() in {"primary", "secondary"}:
        text += " inspection"
    if modes:
        mode = {"ped": "pedestrian", "pov": "car", "peds": "pedestrian"}.get(
            modes[0].lower(), modes[0].lower().rstrip("s")
        )
        text += f" ({_MODE_WORDS.get(mode, mode)})"
    return text


def group_label(stage: str, group: str, scenario: dict[str, Any] | None = None) -> str:
    """Display name of a lane group: its ``label:``, else from its name and the modes of the
    streams it serves (``general_stacked`` serving cars -> ``General stacked lanes (cars)``)."""
    stages = _scenario_part(scenario, "stages")
    spec = _scenario_part(stages, stage, "lanes", group)
    if spec.get("label"):
        return str(spec["label"])
    streams = _scenario_part(scenario, "streams")
    served = spec.get("serves")
    if served is None:
        served = [s for s, sp in streams.items() if stage in (sp.get("route") or [])]
    modes = list(dict.fromkeys(str((streams.get(s) or {}).get("mode") or "car") for s in served))
    words = [w for w in _words(group) if w.lower() not in _MODE_TOKENS]
    text = _phrase(words) or _phrase(_words(group)) or group
    if text.endswith(" Lane"):
        text += "s"
    elif not words or words[-1].lower() not in _PLURAL_PLACES:
        text += " lanes"
    if modes:
        text += " (" + " and ".join(_MODE_WORDS.get(m, m) for m in modes) + ")"
    return text


def percent(value: float, digits: int = 0, sign: bool = False) -> str:
    """A share (0.25) as a percentage (``25%``)."""
    return f"{value * 100:{'+' if sign else ''}.{digits}f}%"
