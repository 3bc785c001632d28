"""What an energy-history import may cost before the user must confirm it.

An import sends one billable request per day of its range, dry runs included:
one call from 2023 sent 1,257 and, against a 1,000 budget, paused polling for
the rest of the month. The import service refuses a range that costs more than
`import_allowance` unless the call confirms the cost.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..const import CONF_MODE, DEFAULT_MODE, MODE_BUDGET
from .plan import PRICE_PER_REQUEST, budget_of

UNCONFIRMED_IMPORT_CAP = 400
"""Requests an import may send unconfirmed when no budget bounds the month.

One request a day: a little over a year of history, $0.80 at Tesla's Data
price, while a mistyped year (2003 for 2023) is refused.
"""


@dataclass(frozen=True, slots=True)
class ImportAllowance:
    """The requests an import may send without confirmation, and why."""

    requests: int
    from_budget: bool
    """True: what is left of the month's budget; False: the fixed cap."""


def import_allowance(options: Mapping[str, Any], billable_used: int) -> ImportAllowance:
    """Return what an import may send unconfirmed for an entry's options.

    In budget mode, what is left of the month's budget (the budget less the
    billable requests counted this month): more would leave polling nothing
    until the 1st. In any other mode there is no budget to protect, so a fixed
    cap applies. An entry with no mode chosen follows the default mode
    (every minute), which has no budget.
    """
    if options.get(CONF_MODE, DEFAULT_MODE) == MODE_BUDGET:
        left = max(budget_of(options) - billable_used, 0)
        return ImportAllowance(requests=left, from_budget=True)
    return ImportAllowance(requests=UNCONFIRMED_IMPORT_CAP, from_budget=False)


def request_price(requests: int) -> float:
    """Return what Tesla charges for requests billed as Data, in USD."""
    return round(requests * PRICE_PER_REQUEST, 2)
