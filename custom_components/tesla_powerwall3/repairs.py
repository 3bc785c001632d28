"""Repair issues for what only the user can fix, and the registration repair."""

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.config_entry_oauth2_flow import (
    async_get_config_entry_implementation,
)

from .const import CONF_BASE_URL, DEVELOPER_PORTAL_URL, DOMAIN, README_URL
from .registration import async_registration_form

ISSUE_KINDS = ("not_registered", "budget_exhausted", "application_disabled")
"""The issues raised here, by translation key (an entry's id follows it)."""


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
        is_fixable=True,
        data={"entry_id": entry_id},
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
def async_raise_application_disabled(
    hass: HomeAssistant, entry_id: str, title: str, error: str, live: str
) -> None:
    """Tell the user Tesla switched the application off, and what to do.

    live: how often live data is read for the rest of the month.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id("application_disabled", entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="application_disabled",
        translation_placeholders={
            "title": title,
            "error": error,
            "live": live,
            "portal_url": DEVELOPER_PORTAL_URL,
        },
        learn_more_url=f"{README_URL}#when-tesla-switches-the-application-off",
    )


@callback
def async_clear(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """Remove an issue once its cause is gone."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))


@callback
def async_clear_entry(hass: HomeAssistant, entry_id: str) -> None:
    """Remove every issue of an entry that is gone: no Fix could help it."""
    for kind in ISSUE_KINDS:
        async_clear(hass, kind, entry_id)


class RegisterDomainRepairFlow(RepairsFlow):
    """Registers the application's domain, as the config flow's step does."""

    def __init__(self, entry_id: str) -> None:
        """Repair the given entry."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Go to the registration form."""
        return await self.async_step_register()

    async def async_step_register(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Ask for the domain, check the key, register it, reload the entry."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")

        async def finish() -> RepairsFlowResult:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})

        return await async_registration_form(
            self,
            "register",
            user_input,
            implementation=await async_get_config_entry_implementation(
                self.hass, entry
            ),
            base_url=entry.data[CONF_BASE_URL],
            on_success=finish,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the flow that fixes a repair issue."""
    return RegisterDomainRepairFlow(str((data or {}).get("entry_id", "")))
