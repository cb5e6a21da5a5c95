"""Ports in a region whose travellers respond to waits: markets choose a port, a lane type,
a crossing hour or not to cross by expected waits, solved to equilibrium with the simulation.

``load_region`` reads a region file, ``solve`` finds the equilibrium (``borderflow region``),
``write_region`` and ``print_region`` give its tables. The method is in
``docs/demand-response.md``.
"""

from .equilibrium import RegionResult, expected_waits, solve
from .load import NO_TRIP, Region, load_region
from .output import print_region, write_region

__all__ = [
    "NO_TRIP",
    "Region",
    "RegionResult",
    "expected_waits",
    "load_region",
    "print_region",
    "solve",
    "write_region",
]
