"""The figure of a calibration: observed and simulated waits by hour, and the fitted demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from ..calibrate import CalibrationResult


def calibration_figure(result: CalibrationResult) -> Figure:
    """Two panels: waits by hour (observed, before and after the fit), and arrivals per hour
    (before and after)."""
    hours = np.arange(24)
    figure = Figure(figsize=(9, 6.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(hours, result.target, "o-", color="black", label="observed (less offset)")
    top.plot(hours, result.initial_waits, "--", color="#999999", label="simulated, before")
    top.plot(hours, result.waits, "-", color="#0072B2", lw=2, label="simulated, calibrated")
    top.set_ylabel("mean wait (min)")
    top.set_title(
        f"Calibration of {result.stream}: RMSE {result.rmse:.1f} min"
        + (f", inspection time x{result.service_scale:.2f}" if result.service_scale != 1 else "")
    )
    top.legend(loc="upper left", frameon=False)
    top.grid(alpha=0.3)
    width = 0.4
    bottom.bar(hours - width / 2, result.initial_rates, width, color="#999999", label="before")
    bottom.bar(hours + width / 2, result.rates, width, color="#0072B2", label="calibrated")
    bottom.set_ylabel("arrivals per hour")
    bottom.set_xlabel("hour of arrival")
    bottom.set_xticks(hours[::2])
    bottom.legend(loc="upper left", frameon=False)
    bottom.grid(alpha=0.3, axis="y")
    return figure
