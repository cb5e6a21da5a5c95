"""Staffing as a decision: the fewest lane-hours that keep every hour's waits within a target,
and the officer shifts that cover them (``borderflow staff``).

* :mod:`.targets`: targets ``STREAM:METRIC<=VALUE`` and how an hour is measured and met;
* :mod:`.schedule`: the lane groups decided, day types, schedules put into a scenario;
* :mod:`.stationary`: the period-by-period (stationary) schedule, and the modified offered load
  start;
* :mod:`.search`: the simulation-based iterative search (:func:`staff`);
* :mod:`.shifts`: officer shifts by integer programming (:func:`plan_shifts`).
"""

from .files import to_text, write_staffing
from .schedule import StaffingError
from .search import StaffingResult, staff
from .shifts import ShiftPlan, plan_shifts
from .targets import Target, TargetError, parse_target

__all__ = [
    "ShiftPlan",
    "StaffingError",
    "StaffingResult",
    "Target",
    "TargetError",
    "parse_target",
    "plan_shifts",
    "staff",
    "to_text",
    "write_staffing",
]
