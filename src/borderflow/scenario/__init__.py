"""The user's description of a port: schema, loading, validation and errors."""

from .errors import Problem, ScenarioError
from .load import Document, load_document
from .schema import Arrivals, Distribution, LaneGroup, Scenario, Stage, Stream
from .size import DEFAULT_MAX_TRAVELLERS, check_size, expected_travellers
from .validate import load_scenario, validate_document

__all__ = [
    "DEFAULT_MAX_TRAVELLERS",
    "Arrivals",
    "Distribution",
    "Document",
    "LaneGroup",
    "Problem",
    "Scenario",
    "ScenarioError",
    "Stage",
    "Stream",
    "check_size",
    "expected_travellers",
    "load_document",
    "load_scenario",
    "validate_document",
]
