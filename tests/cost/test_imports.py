"""The rule for what an energy-history import may cost unconfirmed."""

from custom_components.tesla_powerwall3.cost.imports import (
    UNCONFIRMED_IMPORT_CAP,
    ImportAllowance,
    import_allowance,
    request_price,
)


def test_budget_mode_allows_what_is_left_of_the_budget() -> None:
    assert import_allowance({"mode": "budget"}, 120) == ImportAllowance(
        4880, from_budget=True
    )
    options = {"mode": "budget", "monthly_budget": 1000}
    assert import_allowance(options, 990) == ImportAllowance(10, from_budget=True)
    assert import_allowance(options, 1200) == ImportAllowance(0, from_budget=True)


def test_other_modes_have_a_fixed_cap() -> None:
    allowance = import_allowance({"mode": "intervals"}, 90_000)
    assert allowance == ImportAllowance(UNCONFIRMED_IMPORT_CAP, from_budget=False)
    # No mode chosen: the default, every minute, has no budget to protect.
    assert import_allowance({}, 40_000) == allowance
    assert request_price(UNCONFIRMED_IMPORT_CAP) == 0.8
    assert request_price(1257) == 2.51
