"""Repair issues for what only the user can fix."""

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, README_URL


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def async_raise_not_registered(
    hass: HomeAssistant, entry_id: str, title: str, region_url: str
) -> None:
    """Tell the user to register the Tesla application in the account's region."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id("not_registered", entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="not_registered",
        translation_placeholders={"title": title, "region_url": region_url},
        learn_more_url=f"{README_URL}#before-you-start-a-tesla-developer-app",
    )


@callback
def async_raise_budget_exhausted(
    hass: HomeAssistant, entry_id: str, title: str, budget: int
) -> None:
    """Tell the user polling stopped because the month's budget is used up."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id("budget_exhausted", entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="budget_exhausted",
        translation_placeholders={"title": title, "budget": str(budget)},
        learn_more_url=f"{README_URL}#polling-and-what-it-costs",
    )


@callback
def async_clear(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """Remove an issue once its cause is gone."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))
