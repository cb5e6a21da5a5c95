"""Verification of the model against queueing theory: ``borderflow verify``.

A catalogue of small scenarios whose right answer is known (M/M/1, M/M/c, M/D/1, M/G/1, a
saturated stacked-booth lane, a time-varying M(t)/M/c(t) day, and checks of the parts: arrivals,
inspection times, referrals, conservation). :func:`verify` simulates them and judges every
comparison together; the report prints as a table or a Markdown page.
"""

from .cases import CATALOGUE, Case, Plan
from .report import CaseReport, Row, VerificationReport
from .runner import verify

__all__ = ["CATALOGUE", "Case", "CaseReport", "Plan", "Row", "VerificationReport", "verify"]
