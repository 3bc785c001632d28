"""Options: a monthly request budget, or explicit polling intervals."""

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.util import dt as dt_util
import probatio as vol

from .const import (
    CONF_BACKFILL_DAYS,
    CONF_BUDGET,
    CONF_HISTORY_INTERVAL,
    CONF_LIVE_INTERVAL,
    CONF_MODE,
    CONF_SITE_INFO_INTERVAL,
    DEFAULT_BACKFILL_DAYS,
    MODE_BUDGET,
    MODE_INTERVALS,
)
from .cost import (
    DEFAULT_BUDGET,
    HISTORY_INTERVAL,
    MONTHLY_CREDIT,
    PRICE_PER_REQUEST,
    SITE_INFO_INTERVAL,
    month_bounds,
    monthly_cost,
    plan_from_options,
)
from .urls import tesla_hosts

DAYS_IN_MONTH = 30
DEFAULT_LIVE_SECONDS = 600


def _number(minimum: int, maximum: int, step: int, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


def _every(interval: timedelta) -> str:
    """Write an interval as people read it, e.g. "12 min 32 s"."""
    hours, rest = divmod(int(interval.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value) or "0 s"


class PowerwallOptionsFlow(OptionsFlow):
    """Choose how polling fits Tesla's pay-per-use pricing."""

    def __init__(self) -> None:
        """Start with no new options."""
        self._options: dict[str, Any] = {}
        self._backfill_days = DEFAULT_BACKFILL_DAYS

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a budget or explicit intervals."""
        if user_input is not None:
            self._backfill_days = int(user_input[CONF_BACKFILL_DAYS])
            if user_input[CONF_MODE] == MODE_INTERVALS:
                return await self.async_step_intervals()
            return await self.async_step_budget()
        mode = self.config_entry.options.get(CONF_MODE, MODE_BUDGET)
        backfill = self.config_entry.options.get(
            CONF_BACKFILL_DAYS, DEFAULT_BACKFILL_DAYS
        )
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MODE, default=mode): SelectSelector(
                        SelectSelectorConfig(
                            options=[MODE_BUDGET, MODE_INTERVALS],
                            translation_key=CONF_MODE,
                            mode=SelectSelectorMode.LIST,
                        )
                    ),
                    vol.Required(CONF_BACKFILL_DAYS, default=backfill): _number(
                        0, 3660, 1, "d"
                    ),
                }
            ),
            description_placeholders=self._projection(dict(self.config_entry.options)),
        )

    async def async_step_budget(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the monthly budget."""
        if user_input is not None:
            self._options = {
                CONF_MODE: MODE_BUDGET,
                CONF_BUDGET: int(user_input[CONF_BUDGET]),
            }
            return await self.async_step_confirm()
        budget = self.config_entry.options.get(CONF_BUDGET, DEFAULT_BUDGET)
        return self.async_show_form(
            step_id="budget",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_BUDGET, default=budget): _number(
                        100, 1_000_000, 100, "requests"
                    )
                }
            ),
        )

    async def async_step_intervals(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the interval of each endpoint."""
        if user_input is not None:
            self._options = {
                CONF_MODE: MODE_INTERVALS,
                CONF_LIVE_INTERVAL: int(user_input[CONF_LIVE_INTERVAL]),
                CONF_SITE_INFO_INTERVAL: int(user_input[CONF_SITE_INFO_INTERVAL]),
                CONF_HISTORY_INTERVAL: int(user_input[CONF_HISTORY_INTERVAL]),
            }
            return await self.async_step_confirm()
        options = self.config_entry.options
        defaults = {
            CONF_LIVE_INTERVAL: DEFAULT_LIVE_SECONDS,
            CONF_SITE_INFO_INTERVAL: int(SITE_INFO_INTERVAL.total_seconds() // 60),
            CONF_HISTORY_INTERVAL: int(HISTORY_INTERVAL.total_seconds() // 60),
        }
        return self.async_show_form(
            step_id="intervals",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_LIVE_INTERVAL,
                        default=options.get(
                            CONF_LIVE_INTERVAL, defaults[CONF_LIVE_INTERVAL]
                        ),
                    ): _number(30, 86400, 1, "s"),
                    vol.Required(
                        CONF_SITE_INFO_INTERVAL,
                        default=options.get(
                            CONF_SITE_INFO_INTERVAL, defaults[CONF_SITE_INFO_INTERVAL]
                        ),
                    ): _number(10, 1440, 1, "min"),
                    vol.Required(
                        CONF_HISTORY_INTERVAL,
                        default=options.get(
                            CONF_HISTORY_INTERVAL, defaults[CONF_HISTORY_INTERVAL]
                        ),
                    ): _number(15, 1440, 1, "min"),
                }
            ),
        )

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what the entered values cost a month, then save them."""
        if user_input is not None:
            return self.async_create_entry(
                data={**self._options, CONF_BACKFILL_DAYS: self._backfill_days}
            )
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders=self._projection(self._options),
        )

    def _projection(self, options: dict[str, Any]) -> dict[str, str]:
        """Describe the polling and cost a 30-day month of these options brings."""
        data = getattr(self.config_entry, "runtime_data", None)
        sites = max(len(data.sites), 1) if data is not None else 1
        month_start, _ = month_bounds(dt_util.utcnow())
        plan = plan_from_options(
            options,
            sites,
            month_start,
            used=0,
            simulator=tesla_hosts(self.hass).simulator,
        )
        requests = plan.requests(DAYS_IN_MONTH * 86400, sites)
        total = sum(requests.values())
        return {
            "sites": str(sites),
            "live": _every(plan.live),
            "site_info": _every(plan.site_info),
            "history": _every(plan.history),
            "requests": f"{total:,}",
            "live_requests": f"{requests['live_status']:,}",
            "gross": f"{total * PRICE_PER_REQUEST:.2f}",
            "credit": f"{MONTHLY_CREDIT:.2f}",
            "cost": f"{monthly_cost(total):.2f}",
        }
