"""The scenario schema: what a port description may contain, as validated, immutable data.

These pydantic models are the single definition of the scenario format. ``borderflow schema``
prints them as JSON Schema; ``docs/scenario-format.md`` documents each key. Values are
normalised on the way in: durations become seconds, hourly values become tuples of 24. Numbers
are strict: ``true`` or ``"2"`` is not a lane count. Checks that relate one part of a scenario to
another (a route names a known stage ...) live in ``validate.py``.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
import math
import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .units import HOUR as HOUR_S
from .units import UNIT_HELP, format_duration, parse_duration

HOURS = 24

DAY = 86400.0

MAX_HORIZON = 366 * DAY
"""Longest horizon (s): a year, leap day included. Hourly results are kept for every hour."""

MAX_SERVICE_TIME = 365 * DAY
"""Longest time (s) in a service distribution; no run lasts long enough to finish one."""

MAX_LANES = 1000
"""Most lanes in one lane group."""

MAX_REPLICATIONS = 10_000
"""Most replications of a scenario."""

MAX_OCCUPANTS = 1000.0
"""Most persons per vehicle."""

MIN_CV, MAX_CV = 0.001, 100.0
"""Range of a lognormal or gamma ``cv`` (a lognormal may also have cv 0): outside it the
inverse CDF under- or overflows in double precision (NaN or infinite times)."""

MAX_SIGMA = 3.0
"""Largest lognormal ``sigma`` (a CV of about 90)."""

MIN_SHAPE, MAX_SHAPE = 1e-4, 1e6
"""Range of a gamma ``shape``: the shapes of cv 100 and cv 0.001."""


def _at_most(limit: float) -> AfterValidator:
    """A check that a duration (s) is at most ``limit``, reported as durations."""

    def check(seconds: float) -> float:
        if seconds > limit:
            raise ValueError(
                f"must be at most {format_duration(limit)}, found {format_duration(seconds)}"
            )
        return seconds

    return AfterValidator(check)


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*(s|sec|min|h|d)\s*$",
            "description": UNIT_HELP,
        }
    ),
]
"""A duration written with a unit in the file, held in seconds."""

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A finite number (an integer is fine; true/false, quoted numbers, infinity and NaN are not)."""

Count = Annotated[int, Strict()]
"""A whole number (not 2.0, not true, not "2")."""

Mode = Literal["car", "pedestrian", "truck", "bus"]
DistName = Literal[
    "exponential", "lognormal", "gamma", "uniform", "triangular", "deterministic", "empirical"
]

DEFAULT_OCCUPANTS: dict[str, float] = {"car": 1.5, "pedestrian": 1.0, "truck": 1.0, "bus": 20.0}
"""Persons per vehicle when a stream gives no ``occupants``: 1.5 per car as in TTI's value of
delay for TxDOT; one driver per truck; 20 per bus is an assumption (set it per stream)."""


DEFAULT_LENGTH_M: dict[str, float] = {"car": 7.6, "pedestrian": 0.75, "truck": 23.0, "bus": 15.0}
"""Metres of queue one vehicle (or pedestrian) takes when a stream gives no ``length_m``: 7.6 m
(25 ft) per car is the HCM's average spacing of stored vehicles; 23 m per truck (a 22 m
tractor-semitrailer and its gap), 15 m per bus and 0.75 m per pedestrian are assumptions."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hourly_schema(item: str) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "null"},
            {"type": item, "minimum": 0},
            {
                "type": "array",
                "items": {"type": item, "minimum": 0},
                "minItems": 24,
                "maxItems": 24,
            },
        ]
    }


def hourly_values(value: Any, what: str, integer: bool) -> float | int | tuple:
    """Accept one non-negative number, or a list of 24 (one per hour of the day)."""
    kind = "whole number" if integer else "number"

    def one(v: Any, where: str) -> float | int:
        ok = isinstance(v, int) if integer else isinstance(v, int | float)
        if isinstance(v, bool) or not ok:
            if isinstance(v, str):
                raise ValueError(
                    f"expected a non-negative {kind}{where}, found the text {_short(v)}"
                )
            raise ValueError(f"expected a non-negative {kind}{where}, found {_short(v)}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{what} must be a finite number{where}, found {_short(v)}")
        if v < 0:
            raise ValueError(f"{what} cannot be negative{where}, found {_short(v)}")
        if not integer and v > 1e300:  # also keeps a huge whole number convertible to float
            shown = f"{v:.3g}" if isinstance(v, float) else f"a number of {len(str(v))} digits"
            raise ValueError(f"{what} is too large{where}, found {shown}")
        return v

    if isinstance(value, list | tuple):
        if len(value) != HOURS:
            raise ValueError(
                f"expected one {what} value for each of the 24 hours, found {len(value)} values"
            )
        return tuple(one(v, f" (hour {h})") for h, v in enumerate(value))
    return one(value, "")


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_KEYS = (*DAYS, "weekday", "weekend", "default")
"""Keys of a by-day map: a day, ``weekday`` (Monday–Friday), ``weekend``, or ``default``."""


def for_day(value: Any, day: int) -> Any:
    """The value for day of week ``day`` (0 = Monday) of a value that may vary by day."""
    if not isinstance(value, dict):
        return value
    name = DAYS[day % 7]
    group = "weekday" if day % 7 < 5 else "weekend"
    for key in (name, group, "default"):
        if key in value:
            return value[key]
    raise KeyError(name)


def by_day(value: Any, what: str, one: Any) -> Any:
    """Validate a value that is either ``one(value)`` for every day, or a map by day."""
    if not isinstance(value, dict):
        return one(value)
    unknown = [k for k in value if k not in DAY_KEYS]
    if unknown:
        raise ValueError(
            f"unknown day {_short(unknown[0])} in {what}: use monday ... sunday, weekday, weekend "
            "or default"
        )
    out = {key: one(v) for key, v in value.items()}
    missing = []
    for day in range(7):
        try:
            for_day(out, day)
        except KeyError:
            missing.append(DAYS[day])
    if missing:
        raise ValueError(f"{what} gives no value for {', '.join(missing)} (add them or 'default')")
    return out


def _by_hour_and_day(
    value: Any, key: str, what: str, problem: Callable[[float], str | None]
) -> Any:
    """A number that may vary: one, 24 (one per hour), or a map of those by day; each value
    is refused with ``problem(value)`` when that says what is wrong with it."""

    def one(v: Any) -> float | tuple[float, ...]:
        numbers = hourly_values(v, what, integer=False)
        for x in numbers if isinstance(numbers, tuple) else (numbers,):
            wrong = problem(x)
            if wrong:
                raise ValueError(wrong)
        return tuple(map(float, numbers)) if isinstance(numbers, tuple) else float(numbers)

    return by_day(value, key, one)


def _visit_value(value: Any) -> Any:
    """A visit share: one share, 24 (one per hour), or a map of those by day."""
    return _by_hour_and_day(
        value,
        "visit",
        "visit share",
        lambda x: f"must be at most 1, found {x:g}" if x > 1 else None,
    )


def _scale_value(value: Any) -> Any:
    """A factor on inspection times: one number, 24 (one per hour), or a map by day."""
    return _by_hour_and_day(
        value,
        "service_scale",
        "service scale",
        lambda x: (
            None
            if 0 < x <= 100
            else f"a service scale is a factor above 0 and at most 100, found {x:g}"
        ),
    )


def at_hour(value: Any, hour: int, day: int) -> float:
    """The value in ``hour`` (0–23) of day of week ``day`` of a number that may vary by hour
    and day (a visit share, a service scale)."""
    value = for_day(value, day)
    return float(value[hour] if isinstance(value, tuple) else value)


def varies(value: Any) -> bool:
    """Whether a value that may vary by hour and day does."""
    parts = list(value.values()) if isinstance(value, dict) else [value]
    numbers = {x for p in parts for x in (p if isinstance(p, tuple) else (p,))}
    return len(numbers) > 1


def _by_day_schema(inner: dict[str, Any]) -> dict[str, Any]:
    return {
        "anyOf": [
            inner,
            {
                "type": "object",
                "propertyNames": {"enum": list(DAY_KEYS)},
                "additionalProperties": inner,
            },
        ]
    }


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _profile(weights: tuple[float, ...]) -> tuple[float, ...]:
    if len(weights) != HOURS:
        raise ValueError(f"a profile needs 24 hourly weights, found {len(weights)}")
    if any(w < 0 for w in weights) or not sum(weights) > 0:
        raise ValueError("profile weights must be non-negative and not all zero")
    if not math.isfinite(sum(weights)):
        raise ValueError("profile weights are too large: their sum is not a finite number")
    return weights


Profile = Annotated[tuple[Number, ...], AfterValidator(_profile)]
"""24 non-negative hourly weights of a daily shape (normalised when used)."""


def _open_lanes(value: Any) -> Any:
    """Open lanes: one whole number, 24 (one per hour), or a map of those by day."""
    if value is None:
        return None
    return by_day(value, "open", lambda v: hourly_values(v, "open lanes", integer=True))


OpenLanes = Annotated[
    Any, AfterValidator(_open_lanes), WithJsonSchema(_by_day_schema(_hourly_schema("integer")))
]
"""A staffing schedule: lanes open, the same all day, by hour, or by day."""
Share = Annotated[Number, Field(ge=0, le=1)]
VisitShare = Annotated[
    Any, AfterValidator(_visit_value), WithJsonSchema(_by_day_schema(_hourly_schema("number")))
]
"""A visit share: one share, 24 (by hour of arrival at the port), or a map of those by day."""
"""A share between 0 and 1."""

ServiceTime = Annotated[Duration, _at_most(MAX_SERVICE_TIME)]
"""A duration in a service distribution, at most :data:`MAX_SERVICE_TIME`."""


class Distribution(_Model):
    """A service-time distribution, by mean and CV or by its natural parameters."""

    dist: DistName
    mean: ServiceTime | None = None
    cv: Number | None = Field(None, ge=0)
    median: ServiceTime | None = None
    sigma: Number | None = Field(None, ge=0, le=MAX_SIGMA)
    shape: Number | None = Field(None, ge=MIN_SHAPE, le=MAX_SHAPE)
    scale: ServiceTime | None = None
    min: ServiceTime | None = None
    max: ServiceTime | None = None
    mode: ServiceTime | None = None
    values: tuple[ServiceTime, ...] | None = None
    file: str | None = Field(
        None, description="empirical: a CSV file of observed times, relative to the scenario file"
    )
    column: str | None = Field(None, description="empirical file: the column to read")
    unit: str | None = Field(None, description="empirical file: unit of plain numbers in it")
    _moments: tuple[float, float] = PrivateAttr((math.nan, math.nan))

    @field_validator("cv")
    @classmethod
    def _cv_range(cls, cv: float | None, info: ValidationInfo) -> float | None:
        dist = info.data.get("dist")
        if cv is None or dist not in ("lognormal", "gamma"):
            return cv
        if dist == "gamma" and cv == 0:
            raise ValueError("gamma: cv must be positive (use deterministic for cv 0)")
        if cv != 0 and not MIN_CV <= cv <= MAX_CV:
            zero = "0 or " if dist == "lognormal" else ""
            raise ValueError(
                f"{dist}: cv must be {zero}between {MIN_CV:g} and {MAX_CV:g}, found {cv:g} "
                + (
                    "(use deterministic for a constant time)"
                    if cv < MIN_CV
                    else "(a larger cv cannot be sampled in double precision)"
                )
            )
        return cv

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        if self.file is not None or self.column is not None or self.unit is not None:
            raise ValueError(
                "file, column and unit describe an empirical CSV file and are read when the "
                "scenario is loaded; give them with dist: empirical and file:"
            )
        given = {k for k in type(self).model_fields if getattr(self, k) is not None} - {"dist"}
        ways = _DIST_PARAMETERS[self.dist]
        for way in ways:
            if given == set(way):
                break
        else:
            options = " or ".join("{" + ", ".join(w) + "}" for w in ways)
            raise ValueError(
                f"{self.dist} takes {options}, found "
                + ("{" + ", ".join(sorted(given)) + "}" if given else "no parameters")
            )
        mean, cv = _mean_cv(self)
        if not (mean > 0 and math.isfinite(mean)):
            raise ValueError(f"{self.dist}: the mean must be a positive duration, found {mean:g} s")
        self._moments = (mean, cv)
        return self

    @property
    def moments(self) -> tuple[float, float]:
        """(mean in seconds, coefficient of variation), whichever parameters were given."""
        return self._moments


_DIST_PARAMETERS: dict[str, list[tuple[str, ...]]] = {
    "exponential": [("mean",)],
    "lognormal": [("mean", "cv"), ("median", "sigma")],
    "gamma": [("mean", "cv"), ("shape", "scale")],
    "uniform": [("min", "max"), ("mean", "cv")],
    "triangular": [("min", "mode", "max")],
    "deterministic": [("mean",)],
    "empirical": [("values",)],
}


def _get(value: float | None) -> float:
    """A parameter that the parameter set in use guarantees is given."""
    assert value is not None
    return value


def _mean_cv(d: Distribution) -> tuple[float, float]:
    """Mean (s) and coefficient of variation implied by the given parameters."""
    if d.dist == "exponential":
        return _get(d.mean), 1.0
    if d.dist == "deterministic":
        return _get(d.mean), 0.0
    if d.dist == "lognormal":
        if d.mean is not None:
            return d.mean, _get(d.cv)
        median, sigma = _get(d.median), _get(d.sigma)
        if 0 < sigma < MIN_CV:
            raise ValueError(
                f"lognormal: sigma must be 0 or at least {MIN_CV:g}, found {sigma:g} "
                "(use deterministic for a constant time)"
            )
        return median * math.exp(sigma**2 / 2), math.sqrt(math.expm1(sigma**2))
    if d.dist == "gamma":
        if d.mean is not None:
            return d.mean, _get(d.cv)
        shape, scale = _get(d.shape), _get(d.scale)
        return shape * scale, 1 / math.sqrt(shape)
    if d.dist == "uniform":
        if d.mean is not None:
            cv = _get(d.cv)
            if cv > 1 / math.sqrt(3):
                raise ValueError(f"uniform: cv can be at most 0.577 (1/sqrt 3), found {cv:g}")
            return d.mean, cv
        low, high = _get(d.min), _get(d.max)
        if not 0 <= low < high:
            raise ValueError(f"uniform: need 0 <= min < max, found min {low:g} s, max {high:g} s")
        mean = (low + high) / 2
        return mean, (high - low) / math.sqrt(12) / mean
    if d.dist == "triangular":
        a, c, b = _get(d.min), _get(d.mode), _get(d.max)
        if not (0 <= a <= c <= b and a < b):
            raise ValueError("triangular: need 0 <= min <= mode <= max and min < max")
        mean = (a + b + c) / 3
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        return mean, math.sqrt(max(var, 0.0)) / mean
    values = d.values or ()
    if len(values) < 1 or any(v < 0 for v in values):
        raise ValueError("empirical: needs at least one observed time, none negative")
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, (math.sqrt(var) / mean if mean > 0 else 0.0)


class Arrivals(_Model):
    """How many of a stream arrive: per day with a daily profile, or per hour.

    Each of ``per_day``, ``per_hour`` and ``profile`` may also be a map by day of the week
    (``{weekday: ..., saturday: ..., sunday: ...}``).
    """

    per_day: Annotated[Any, WithJsonSchema(_by_day_schema({"type": "number", "minimum": 0}))] = None
    per_hour: Annotated[Any, WithJsonSchema(_by_day_schema(_hourly_schema("number")))] = None
    profile: Annotated[Any, WithJsonSchema(_by_day_schema({"type": "string"}))] = None

    @field_validator("per_day")
    @classmethod
    def _per_day(cls, value: Any) -> Any:
        if value is None:
            return None
        return by_day(value, "per_day", lambda v: hourly_values(v, "per_day", integer=False))

    @field_validator("per_hour")
    @classmethod
    def _per_hour(cls, value: Any) -> Any:
        if value is None:
            return None
        return by_day(value, "per_hour", lambda v: hourly_values(v, "per_hour", integer=False))

    @field_validator("profile")
    @classmethod
    def _profile_name(cls, value: Any) -> Any:
        def name(v: Any) -> str:
            if not isinstance(v, str):
                raise ValueError(f"expected a profile name, found {_short(v)}")
            return v

        return None if value is None else by_day(value, "profile", name)

    @model_validator(mode="after")
    def _one_way(self) -> Arrivals:
        if (self.per_day is None) == (self.per_hour is None):
            raise ValueError("give either per_day (with an optional profile) or per_hour")
        if self.profile is not None and self.per_day is None:
            raise ValueError("a profile goes with per_day; per_hour already gives the hourly rates")
        return self

    def rates(self, day: int, profiles: dict[str, tuple[float, ...]]) -> tuple[float, ...]:
        """Arrivals per hour in each hour of day of week ``day`` (0 = Monday)."""
        if self.per_hour is not None:
            rate = for_day(self.per_hour, day)
            return rate if isinstance(rate, tuple) else (float(rate),) * HOURS
        profile = for_day(self.profile, day) if self.profile is not None else None
        weights = profiles[profile] if profile else (1.0,) * HOURS
        total = sum(weights)
        per_day = for_day(self.per_day, day)
        return tuple(per_day * w / total for w in weights)


class Stream(_Model):
    """A traffic class: who arrives, how many, and which stages they pass."""

    mode: Mode = "car"
    label: str | None = Field(
        None, description="display name in figures and reports (default: made from the name)"
    )
    description: str = ""
    occupants: Number | None = Field(None, gt=0, le=MAX_OCCUPANTS)
    length_m: Number | None = Field(
        None,
        gt=0,
        le=100,
        description="metres of queue one vehicle of the stream takes, its gap included "
        "(default by mode: car 7.6, truck 23, bus 15, pedestrian 0.75)",
    )
    arrivals: Arrivals
    route: tuple[str, ...] = Field(min_length=1)
    wait_until: str | None = Field(
        None,
        description="the stage whose inspection ends the published wait (default: the first "
        "stage of the route; e.g. us_primary for trucks that pass Mexican export first)",
    )

    @model_validator(mode="after")
    def _default_occupants(self) -> Stream:
        if self.occupants is None:
            object.__setattr__(self, "occupants", DEFAULT_OCCUPANTS[self.mode])
        if self.length_m is None:
            object.__setattr__(self, "length_m", DEFAULT_LENGTH_M[self.mode])
        return self


class Storage(_Model):
    """Room for vehicles waiting: a number of vehicles, or metres of queue (each vehicle then
    takes its stream's ``length_m``). Written as a number (vehicles) or as ``{metres: M}``."""

    vehicles: Count | None = Field(None, ge=0, le=100_000)
    metres: Number | None = Field(None, gt=0, le=100_000)

    @model_validator(mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"vehicles": value}
        if not isinstance(value, dict):
            raise ValueError(
                "expected a whole number of vehicles or {metres: M}, found "
                + (f"the text {_short(value)}" if isinstance(value, str) else _short(value))
            )
        return value

    @model_validator(mode="after")
    def _one(self) -> Storage:
        if (self.vehicles is None) == (self.metres is None):
            raise ValueError("give storage as a number of vehicles or as {metres: M}, not both")
        return self

    def size(self, stream: Stream) -> float:
        """How much of this storage one traveller of ``stream`` takes."""
        if self.metres is None:
            return 1.0
        assert stream.length_m is not None  # the schema sets it from the mode
        return stream.length_m

    @property
    def capacity(self) -> float:
        """Vehicles, or metres."""
        if self.metres is None:
            assert self.vehicles is not None  # one of the two is given
            return float(self.vehicles)
        return self.metres

    def __str__(self) -> str:
        return f"{self.vehicles} vehicles" if self.metres is None else f"{self.metres:g} m"


_STORAGE_JSON: list[dict[str, Any]] = [
    {"type": "integer", "minimum": 0, "description": "vehicles"},
    {
        "type": "object",
        "properties": {
            "metres": {"type": "number", "exclusiveMinimum": 0},
            "vehicles": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
]
StorageField = Annotated[
    Storage | None, WithJsonSchema({"anyOf": [*_STORAGE_JSON, {"type": "null"}]})
]
"""A storage key: a number of vehicles, ``{metres: M}``, or nothing (unlimited)."""


class Approach(_Model):
    """A shared approach before a stage's lane groups: travellers wait there in one line, in
    order, until their lane group has room, so a full group holds back those behind."""

    storage: Annotated[Storage, WithJsonSchema({"anyOf": _STORAGE_JSON})]
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _a_map(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(
                f"an approach is a map with its storage, e.g. approach: {{storage: "
                f"{value if isinstance(value, int) and not isinstance(value, bool) else 20}}}, "
                f"found {_short(value)}"
            )
        return value


class LaneGroup(_Model):
    """Lanes (or officer stations, or bays) of one kind at one stage."""

    lanes: Count = Field(ge=0, le=MAX_LANES)
    booths_per_lane: Count = Field(1, ge=1, le=4)
    serves: tuple[str, ...] | None = None
    open: OpenLanes = None
    queue: Literal["per_lane", "shared"] = "per_lane"
    storage: StorageField = Field(
        None,
        description="room for vehicles waiting in the group's lines (all its lanes together), "
        "in vehicles or {metres: M}; none: unlimited",
    )
    label: str | None = Field(
        None, description="display name in figures and reports (default: made from the name)"
    )
    description: str = ""

    def open_at(self, hour: int, day: int = 0) -> int:
        """Lanes open in ``hour`` (0–23) of day of week ``day`` (0 = Monday); all of them when
        no schedule is given."""
        return self.lanes if self.open is None else int(at_hour(self.open, hour, day))


class Batch(_Model):
    """A stage that releases the vehicles done there in batches: they gather in a lot until
    ``size`` have, or the first has waited ``max_wait``, then go on together."""

    size: Count = Field(ge=2, le=10_000)
    max_wait: Annotated[Duration, Field(gt=0), _at_most(MAX_HORIZON)]
    description: str = ""


class VisitAfter(_Model):
    """The share that visits a stage among the travellers who visited an earlier one."""

    stage: str
    share: dict[str, Share] = Field(min_length=1)


class Stage(_Model):
    """An inspection step (primary, secondary, X-ray ...) with its lane groups and times."""

    label: str | None = Field(
        None, description="display name in figures and reports (default: made from the name)"
    )
    description: str = ""
    lanes: dict[str, LaneGroup] = Field(min_length=1)
    service: dict[str, Distribution] = Field(min_length=1)
    visit: dict[str, VisitShare] | None = Field(
        None,
        description="share of each stream (or 'default') that visits the stage: one share, 24 "
        "(by hour of arrival at the port), or a map of those by day (weekday, saturday, ...)",
    )
    visit_after: VisitAfter | None = Field(
        None,
        description="a referral that depends on an earlier one: travellers who visited "
        "'stage' visit this one with 'share' (by stream or 'default') instead of 'visit'",
    )
    service_scale: Annotated[
        Any, AfterValidator(_scale_value), WithJsonSchema(_by_day_schema(_hourly_schema("number")))
    ] = Field(
        None,
        description="factor on every inspection time here by the hour the inspection starts: "
        "one number, 24 (one per hour), or a map of those by day; default 1",
    )
    storage: StorageField = Field(
        None,
        description="room for vehicles waiting at the stage (on their way to it, in its "
        "approach and in its lines; not in a booth), in vehicles or {metres: M}; when it is "
        "full, a vehicle done at the stage before stays in its booth; none: unlimited",
    )
    approach: Approach | None = Field(
        None,
        description="a shared approach before the lane groups, with its storage: one line "
        "in order of arrival, whose first traveller waits for room in its lane group",
    )
    batch: Batch | None = Field(
        None,
        description="vehicles done here gather in a lot and go on together: when 'size' "
        "have gathered, or the first has waited 'max_wait' (a convoy released across a bridge)",
    )
    travel: dict[str, Distribution] | None = Field(
        None,
        description=(
            "time to reach this stage from the stage before it on a traveller's way, by stream "
            "(or 'default'): in the time in port, not in any wait; none for the first stage a "
            "traveller visits, nor for a stream it does not list when there is no 'default'"
        ),
    )

    def service_for(self, stream: str) -> Distribution:
        """The service distribution of ``stream`` at this stage."""
        return self.service[stream] if stream in self.service else self.service["default"]

    def travel_for(self, stream: str) -> Distribution | None:
        """How long ``stream`` takes to reach this stage from the one before (None: no time)."""
        if self.travel is None:
            return None
        return self.travel.get(stream, self.travel.get("default"))

    def visit_share(self, stream: str, hour: int = 0, day: int = 0) -> float:
        """Share of ``stream`` arriving at the port in ``hour`` of day of week ``day`` that
        visits this stage (1 when the stage has no ``visit`` map), whatever it did before."""
        value = self.visit_value(stream)
        return 1.0 if value is None else at_hour(value, hour, day)

    def visit_value(self, stream: str) -> Any:
        """The ``visit`` value of ``stream`` (one share, by hour, by day), None if not given."""
        if self.visit is None:
            return None
        return self.visit[stream] if stream in self.visit else self.visit["default"]

    def share_after(self, stream: str) -> float | None:
        """Share of ``stream`` that visits this stage among those who visited the stage named
        by ``visit_after`` (None: no such share for this stream)."""
        if self.visit_after is None:
            return None
        share = self.visit_after.share
        return share.get(stream, share.get("default"))

    def storages(self) -> list[tuple[str, str | None, Storage]]:
        """Each storage of the stage as (kind, lane group, storage): kind ``stage``,
        ``approach`` or ``group`` (the lane group named; None for the other two)."""
        out: list[tuple[str, str | None, Storage]] = []
        if self.storage is not None:
            out.append(("stage", None, self.storage))
        if self.approach is not None:
            out.append(("approach", None, self.approach.storage))
        out += [("group", g, spec.storage) for g, spec in self.lanes.items() if spec.storage]
        return out

    def scale_at(self, hour: int, day: int = 0) -> float:
        """The factor on inspection times starting in ``hour`` of day of week ``day``."""
        return 1.0 if self.service_scale is None else at_hour(self.service_scale, hour, day)


class ValueOfTime(_Model):
    """What an hour of delay costs for one mode (USD); unset values keep the defaults."""

    value_per_person_hour: Number | None = Field(None, ge=0)
    value_per_vehicle_hour: Number | None = Field(
        None, ge=0, description="fuel and operating cost per vehicle-hour of delay"
    )


class Economics(_Model):
    """Value of time by mode, and how to scale the counted period to a year."""

    value_of_time: dict[Mode, ValueOfTime] = Field(default_factory=dict)
    annualize_days: Number | None = Field(
        None,
        gt=0,
        le=366,
        description="days a year like the counted period (e.g. 250 weekdays)",
    )
    currency_year: Count = Field(2017, description="the year of the dollars (information)")
    capital_cost_usd: Number | None = Field(
        None, ge=0, description="benefit-cost: what the change costs to build, once (USD)"
    )
    annual_om_usd: Number | None = Field(
        None, ge=0, description="benefit-cost: its operation and maintenance a year (USD)"
    )
    officer_cost_per_hour: Number | None = Field(
        None, ge=0, description="benefit-cost: cost of a staffed booth-hour (USD)"
    )
    discount_rate: Number | None = Field(
        None, ge=0, le=0.5, description="benefit-cost: real discount rate a year (default 0.07)"
    )
    horizon_years: Count | None = Field(
        None, ge=1, le=100, description="benefit-cost: years of benefits and costs (default 20)"
    )


class IdleEmissions(_Model):
    """Idle fuel use and emission rates of one mode while queueing; unset values keep the
    defaults."""

    idle_fuel_gal_per_h: Number | None = Field(None, ge=0)
    fuel: Literal["gasoline", "diesel", "none"] | None = None
    co2_g_per_gal: Number | None = Field(None, ge=0)
    nox_g_per_h: Number | None = Field(None, ge=0)
    pm25_g_per_h: Number | None = Field(None, ge=0)


MAX_FACTOR = 100.0
"""Largest day-of-week or holiday factor."""

MAX_VOLUME = 1e12
"""Largest monthly volume in a calendar table."""


def _parse_date(value: Any) -> datetime.date:
    """An ISO date (``2019-01-01``), written as text in the file (YAML leaves it as text)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"expected a date as YYYY-MM-DD (e.g. 2019-01-01), found {_short(value)}")
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{value.strip()} is not a date: {exc}") from None


Date = Annotated[
    datetime.date,
    BeforeValidator(_parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]
"""A calendar date, written ``YYYY-MM-DD``."""

Factor = Annotated[Number, Field(ge=0, le=MAX_FACTOR)]
"""A demand factor (1 = the stream's own demand)."""


def _month_key(key: Any) -> str:
    if not isinstance(key, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", key):
        raise ValueError(f"a month is written YYYY-MM (e.g. 2019-01), found {_short(key)}")
    return key


class MonthlyVolumes(_Model):
    """A table of monthly volumes (e.g. BTS counts) that scales some streams' demand by month.

    The factor of a month is its volume per day over the average day of its year in the table,
    so a stream's ``per_day`` stays the average day of the year.
    """

    description: str = ""
    streams: tuple[str, ...] | None = Field(
        None, min_length=1, description="the streams it scales (default: all, or by modes)"
    )
    modes: tuple[Mode, ...] | None = Field(
        None, min_length=1, description="scale the streams of these modes"
    )
    volumes: dict[
        Annotated[str, AfterValidator(_month_key)], Annotated[Number, Field(gt=0, le=MAX_VOLUME)]
    ] = Field(min_length=1, description="volume of each month, YYYY-MM: whole years of 12 months")

    @model_validator(mode="after")
    def _whole_years(self) -> MonthlyVolumes:
        if self.streams is not None and self.modes is not None:
            raise ValueError("give streams or modes, not both")
        years: dict[int, int] = {}
        for key in self.volumes:
            years[int(key[:4])] = years.get(int(key[:4]), 0) + 1
        for year, months in sorted(years.items()):
            if months != 12:
                missing = [
                    f"{year}-{m:02d}" for m in range(1, 13) if f"{year}-{m:02d}" not in self.volumes
                ]
                raise ValueError(
                    f"volumes of {year} lack {', '.join(missing)}: the factor of a month is its "
                    "volume per day over the average day of its year, so each year needs all 12 "
                    "months"
                )
        return self

    def factor(self, year: int, month: int) -> float:
        """Volume per day of ``month`` over the average day of ``year`` in the table."""
        total = math.fsum(v for k, v in self.volumes.items() if int(k[:4]) == year)
        days_in_year = 366 if _calendar.isleap(year) else 365
        days = _calendar.monthrange(year, month)[1]
        return (self.volumes[f"{year}-{month:02d}"] / days) / (total / days_in_year)

    def applies_to(self, name: str, stream: Stream) -> bool:
        """Whether this table scales ``stream`` (named ``name``)."""
        if self.streams is not None:
            return name in self.streams
        if self.modes is not None:
            return stream.mode in self.modes
        return True


class Holiday(_Model):
    """A date whose demand is the stream's demand times ``factor``."""

    date: Date
    factor: Factor
    name: str = ""


class DatedOpen(_Model):
    """Open lanes of one lane group from one date to another (both included), in place of the
    group's own ``open``."""

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    start: Date = Field(alias="from")
    to: Date
    stage: str
    group: str
    open: OpenLanes
    description: str = ""

    @model_validator(mode="after")
    def _in_order(self) -> DatedOpen:
        if self.to < self.start:
            raise ValueError(
                f"to ({self.to.isoformat()}) is before from ({self.start.isoformat()})"
            )
        return self

    def open_at(self, hour: int, day: int) -> int:
        """Lanes open in ``hour`` of day of week ``day``."""
        return int(at_hour(self.open, hour, day))


class Calendar(_Model):
    """Demand by date (monthly volume tables, day-of-week factors, holidays) and staffing by
    date range."""

    monthly: dict[str, MonthlyVolumes] = Field(default_factory=dict)
    day_of_week: Annotated[
        Any, WithJsonSchema(_by_day_schema({"type": "number", "minimum": 0}))
    ] = None
    holidays: tuple[Holiday, ...] = ()
    staffing: tuple[DatedOpen, ...] = Field(
        (), description="open lanes of a lane group for a date range; a later entry wins"
    )

    @field_validator("day_of_week")
    @classmethod
    def _day_of_week(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueError(
                "expected a map of factors by day (monday ... sunday, weekday, weekend, default)"
            )

        def factor(v: Any) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"expected a factor (a number), found {_short(v)}")
            if not (0 <= v <= MAX_FACTOR):
                raise ValueError(f"a factor must be between 0 and {MAX_FACTOR:g}, found {v:g}")
            return float(v)

        return by_day({"default": 1.0, **value}, "day_of_week", factor)

    @field_validator("holidays")
    @classmethod
    def _distinct(cls, holidays: tuple[Holiday, ...]) -> tuple[Holiday, ...]:
        seen: set[datetime.date] = set()
        for h in holidays:
            if h.date in seen:
                raise ValueError(f"{h.date.isoformat()} is listed twice")
            seen.add(h.date)
        return holidays

    def day_factor(self, date: datetime.date) -> float:
        """Day-of-week factor times holiday factor of ``date``."""
        out = 1.0 if self.day_of_week is None else float(for_day(self.day_of_week, date.weekday()))
        for h in self.holidays:
            if h.date == date:
                out *= h.factor
        return out


def canonical_order(data: Any) -> Any:
    """The scenario data with its maps in the order the model uses, whatever the file's order.

    No key of the format means an order among streams, stages or lane groups (a route is a
    list, and keeps its order), so the model takes them in a canonical one: streams, profiles
    and the lane groups of each stage by name; stages by their first place on any route, then
    by name. Lane choice (which group is tried first, how ties are drawn), the order of events
    and the order of every sum then follow from the data alone, and so do the result tables.
    Anything that is not a well-formed map is left as it is, for validation to report.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key in ("streams", "profiles"):
        if isinstance(out.get(key), dict):
            out[key] = dict(sorted(out[key].items(), key=lambda item: str(item[0])))
    stages = out.get("stages")
    if isinstance(stages, dict):
        place: dict[str, int] = {}
        streams = out.get("streams")
        for stream in streams.values() if isinstance(streams, dict) else ():
            route = stream.get("route") if isinstance(stream, dict) else None
            for index, stage in enumerate(route if isinstance(route, list) else ()):
                if isinstance(stage, str):
                    place[stage] = min(index, place.get(stage, index))
        ordered = sorted(
            stages.items(), key=lambda item: (place.get(str(item[0]), len(place)), str(item[0]))
        )
        out["stages"] = {}
        for name, stage in ordered:
            if isinstance(stage, dict) and isinstance(stage.get("lanes"), dict):
                lanes = sorted(stage["lanes"].items(), key=lambda item: str(item[0]))
                stage = {**stage, "lanes": dict(lanes)}
            out["stages"][name] = stage
    return out


def _scenario_schema(schema: dict[str, Any]) -> None:
    """A file that ``extends`` another may leave out what it inherits."""
    required = schema.pop("required", [])
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["if"] = {"not": {"required": ["extends"]}}
    schema["then"] = {"required": required}


class Scenario(_Model):
    """A port on a day (or days): streams, stages, lanes, schedules, and how to run it."""

    model_config = ConfigDict(json_schema_extra=_scenario_schema)

    name: str = Field(min_length=1)
    description: str = ""
    extends: str | None = Field(
        None,
        description="a scenario file this one changes: deep-merged under this file (maps merge "
        "by key, lists replace); resolved when the file is loaded",
    )
    horizon: Annotated[Duration, Field(gt=0), _at_most(MAX_HORIZON)] = Field(
        "24 h", validate_default=True
    )
    warmup: Annotated[Duration, Field(ge=0)] = Field("0 h", validate_default=True)
    start_date: Date | None = Field(
        None,
        description="date of the first simulated day (YYYY-MM-DD): its weekday is the start "
        "day, and results are dated",
    )
    start_day: Literal[DAYS] = Field(  # type: ignore[valid-type]
        "monday", description="day of the week of the first simulated day"
    )
    calendar: Calendar | None = Field(
        None, description="demand by date (needs start_date): monthly volumes, day factors"
    )
    replications: Count = Field(10, ge=1, le=MAX_REPLICATIONS)
    seed: Count = Field(0, ge=0)
    profiles: dict[str, Profile] = Field(default_factory=dict)
    streams: dict[str, Stream] = Field(min_length=1)
    stages: dict[str, Stage] = Field(min_length=1)
    economics: Economics = Field(default_factory=Economics)
    emissions: dict[Mode, IdleEmissions] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _canonical_order(cls, data: Any) -> Any:
        """Put the maps whose order the model would otherwise follow in one canonical order,
        so that how a file happens to list them never changes a result (see
        :func:`canonical_order`)."""
        return canonical_order(data)

    @field_validator("start_day")
    @classmethod
    def _agrees_with_date(cls, day: str, info: ValidationInfo) -> str:
        start = info.data.get("start_date")
        if start is not None and DAYS[start.weekday()] != day:
            raise ValueError(
                f"start_date {start.isoformat()} is a {DAYS[start.weekday()]}, not a {day} "
                "(leave start_day out: the date decides it)"
            )
        return day

    @field_validator("calendar")
    @classmethod
    def _calendar_dates(cls, value: Calendar | None, info: ValidationInfo) -> Calendar | None:
        if value is None:
            return None
        start = info.data.get("start_date")
        if "start_date" not in info.data:
            return value  # start_date is wrong, and reported
        if start is None:
            raise ValueError("a calendar needs start_date, the date of the first simulated day")
        horizon = info.data.get("horizon")
        if horizon is None:
            return value
        months = {
            f"{d.year}-{d.month:02d}"
            for d in (start + datetime.timedelta(days=i) for i in range(math.ceil(horizon / DAY)))
        }
        for name, table in value.monthly.items():
            missing = sorted(months - set(table.volumes))
            if missing:
                raise ValueError(
                    f"monthly table {name!r} has no volume for {', '.join(missing[:3])}"
                    + (f" and {len(missing) - 3} more months" if len(missing) > 3 else "")
                    + " of the run (from start_date over the horizon)"
                )
        return value

    @model_validator(mode="after")
    def _start_day_from_date(self) -> Scenario:
        if self.start_date is not None:
            object.__setattr__(self, "start_day", DAYS[self.start_date.weekday()])
        return self

    _load_warnings: tuple[str, ...] = PrivateAttr(())

    @property
    def load_warnings(self) -> tuple[str, ...]:
        """What loading the file found worth a warning but not an error, such as a what-if
        that changes nothing of the file it extends. Not part of the scenario's data: a
        scenario built from a dict, or copied from its dump, has none."""
        return self._load_warnings

    def hourly_rates(self, stream: str, day: int = 0) -> tuple[float, ...]:
        """Arrivals per hour of ``stream`` in each hour of day of week ``day`` (0 = Monday)."""
        return self.streams[stream].arrivals.rates(day, self.profiles)

    def counted_hours(self) -> range:
        """Absolute hours (from 00:00 of the first day) whose arrivals are counted: from the
        hour the warm-up ends in to the hour the horizon ends in."""
        return range(int(self.warmup // HOUR_S), math.ceil(self.horizon / HOUR_S))

    def week_days(self) -> list[int]:
        """Day of the week (0 = Monday) of each of the 7 simulated days from ``start_day``."""
        first = DAYS.index(self.start_day)
        return [(first + d) % 7 for d in range(7)]

    def week_rates(self, stream: str) -> tuple[float, ...]:
        """Arrivals per hour for the 168 hours of a week from 00:00 of the first simulated day;
        runs longer than a week repeat it."""
        return tuple(r for day in self.week_days() for r in self.hourly_rates(stream, day))

    def run_dates(self) -> list[datetime.date] | None:
        """The date of each simulated day (``start_date`` on), or None for an undated run."""
        if self.start_date is None:
            return None
        days = math.ceil(self.horizon / DAY)
        return [self.start_date + datetime.timedelta(days=d) for d in range(days)]

    def day_factors(self, stream: str) -> list[float]:
        """The demand factor of ``stream`` on each simulated day (all 1 without a calendar).

        A stream scaled by a monthly table keeps each month's volume from the table: its
        day-of-week and holiday factors only move demand between the days of the month (they
        are divided by their mean over the whole calendar month). A stream no table scales
        takes the day factors as they are.
        """
        dates = self.run_dates()
        if dates is None or self.calendar is None:
            return [1.0] * math.ceil(self.horizon / DAY)
        cal = self.calendar
        spec = self.streams[stream]
        table = next((t for t in cal.monthly.values() if t.applies_to(stream, spec)), None)
        out = []
        for date in dates:
            factor = cal.day_factor(date)
            if table is not None:
                days = _calendar.monthrange(date.year, date.month)[1]
                month = [date.replace(day=d) for d in range(1, days + 1)]
                mean = math.fsum(cal.day_factor(d) for d in month) / days
                factor = table.factor(date.year, date.month) * (factor / mean if mean else 0.0)
            out.append(factor)
        return out

    def run_rates(self, stream: str) -> tuple[float, ...]:
        """Arrivals per hour that the model runs on: the week (:meth:`week_rates`), or with a
        calendar one rate per hour of the whole horizon, with the day factors applied."""
        if self.calendar is None:
            return self.week_rates(stream)
        week = self.week_rates(stream)
        return tuple(
            rate * factor
            for day, factor in enumerate(self.day_factors(stream))
            for rate in week[HOURS * (day % 7) : HOURS * (day % 7 + 1)]
        )

    def run_open(self, stage: str, group: str) -> tuple[int, ...]:
        """Lanes open in each hour that the model runs on: the week (:meth:`week_open`), or,
        when the calendar's ``staffing`` names this group, one value per hour of the horizon
        (the last entry covering a date gives its hours; other dates keep the group's own)."""
        entries = [
            e
            for e in (self.calendar.staffing if self.calendar is not None else ())
            if e.stage == stage and e.group == group
        ]
        dates = self.run_dates()
        if not entries or dates is None:
            return self.week_open(stage, group)
        spec = self.stages[stage].lanes[group]
        out: list[int] = []
        for date in dates:
            day = date.weekday()
            entry = next((e for e in reversed(entries) if e.start <= date <= e.to), None)
            source = entry if entry is not None else spec
            out.extend(source.open_at(h, day) for h in range(HOURS))
        return tuple(out)

    def week_open(self, stage: str, group: str) -> tuple[int, ...]:
        """Lanes open in each of the 168 hours of a week from 00:00 of the first simulated day."""
        spec = self.stages[stage].lanes[group]
        return tuple(spec.open_at(h, day) for day in self.week_days() for h in range(HOURS))

    def visit_probability(self, stage: str, stream: str, hour: int = 0, day: int = 0) -> float:
        """Share of ``stream`` arriving in ``hour`` of day of week ``day`` that visits
        ``stage``, referrals that depend on an earlier one (``visit_after``) included."""
        spec = self.stages[stage]
        share = spec.visit_share(stream, hour, day)
        after = spec.share_after(stream)
        if after is None or spec.visit_after is None:
            return share
        earlier = self.visit_probability(spec.visit_after.stage, stream, hour, day)
        return earlier * after + (1 - earlier) * share

    def week_visits(self, stage: str, stream: str) -> tuple[float, ...] | None:
        """The share of ``stream`` that visits ``stage`` by hour of arrival, for the 168 hours
        of a week from 00:00 of the first simulated day; None when it does not vary."""
        value = self.stages[stage].visit_value(stream)
        if value is None or not varies(value):
            return None
        return tuple(at_hour(value, h, day) for day in self.week_days() for h in range(HOURS))

    def week_scale(self, stage: str) -> tuple[float, ...] | None:
        """The factor on inspection times at ``stage`` for the 168 hours of a week from 00:00 of
        the first simulated day; None when there is none."""
        spec = self.stages[stage]
        if spec.service_scale is None:
            return None
        return tuple(spec.scale_at(h, day) for day in self.week_days() for h in range(HOURS))

    def storages(self) -> list[str]:
        """The stages that limit the room to wait before them (stage, approach or lane group
        storage)."""
        return [name for name, stage in self.stages.items() if stage.storages()]

    def group_lengths(self, stage: str, group: str) -> dict[str, float]:
        """Metres of queue per vehicle of each stream that ``group`` of ``stage`` serves."""
        return {
            name: float(spec.length_m or 0.0)
            for name, spec in self.streams.items()
            if stage in spec.route and group in self.groups_serving(stage, name)
        }

    def groups_serving(self, stage: str, stream: str) -> list[str]:
        """Names of the lane groups of ``stage`` that serve ``stream``."""
        return [
            name
            for name, group in self.stages[stage].lanes.items()
            if group.serves is None or stream in group.serves
        ]


def schema_keys(path: tuple[str | int, ...], root: type[BaseModel] | None = None) -> list[str]:
    """The keys the schema defines at ``path`` (for hints, and for ``--set`` to create), in the
    scenario schema or in the schema of ``root`` (a region file's, say)."""
    model: Any = Scenario if root is None else root
    for part in path:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = field.annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]
        else:
            return []
        model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        elif origin in (tuple, list) and typing.get_args(tp):
            tp = typing.get_args(tp)[0]
        else:
            return tp
