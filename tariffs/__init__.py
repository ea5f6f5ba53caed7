"""The tariff engine: schedules as data, bills, explanations, branch fees and patterns.

Pure Python: no telegram, no database, no `bot` imports (except the presentation in `cli.py`).
"""

from tariffs.branch import BranchFeeInput, BranchFeeResult, branch_fee, vat_split
from tariffs.common import LineItem, Step
from tariffs.engine import BillInput, BillResult, compute_bill, what_if
from tariffs.errors import ScheduleError, TariffError
from tariffs.loader import get_schedule, list_schedules, load_schedules
from tariffs.models import Schedule
from tariffs.patterns import (
    AbovePattern,
    PatternResult,
    above_pattern,
    pattern_for,
    rural_pattern_map,
)

__all__ = [
    "AbovePattern",
    "BillInput",
    "BillResult",
    "BranchFeeInput",
    "BranchFeeResult",
    "LineItem",
    "PatternResult",
    "Schedule",
    "ScheduleError",
    "Step",
    "TariffError",
    "above_pattern",
    "branch_fee",
    "compute_bill",
    "get_schedule",
    "list_schedules",
    "load_schedules",
    "pattern_for",
    "rural_pattern_map",
    "vat_split",
    "what_if",
]
