"""Options: every minute, a monthly request budget, or explicit intervals."""

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio as vol

from .const import (
    CONF_BACKFILL_DAYS,
    CONF_BUDGET,
    CONF_HISTORY_INTERVAL,
    CONF_LIVE_INTERVAL,
    CONF_MODE,
    CONF_SITE_INFO_INTERVAL,
    DEFAULT_BACKFILL_DAYS,
    DEFAULT_MODE,
    MODE_BUDGET,
    MODE_INTERVALS,
)
from .cost import DEFAULT_BUDGET
from .polling_choice import (
    DEFAULT_INTERVALS,
    choice_options,
    choices_placeholders,
    mode_selector,
    projection_placeholders,
)
from .urls import tesla_hosts


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


class PowerwallOptionsFlow(OptionsFlow):
    """Choose how often to poll, seeing what it costs if Tesla bills it."""

    def __init__(self) -> None:
        """Start with no new options."""
        self._options: dict[str, Any] = {}
        self._backfill_days = DEFAULT_BACKFILL_DAYS

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick every minute, a budget or explicit intervals."""
        if user_input is not None:
            self._backfill_days = int(user_input[CONF_BACKFILL_DAYS])
            if user_input[CONF_MODE] == MODE_INTERVALS:
                return await self.async_step_intervals()
            if user_input[CONF_MODE] == MODE_BUDGET:
                return await self.async_step_budget()
            self._options = choice_options({})[user_input[CONF_MODE]]
            return await self.async_step_confirm()
        mode = self.config_entry.options.get(CONF_MODE, DEFAULT_MODE)
        backfill = self.config_entry.options.get(
            CONF_BACKFILL_DAYS, DEFAULT_BACKFILL_DAYS
        )
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MODE, default=mode): mode_selector(),
                    vol.Required(CONF_BACKFILL_DAYS, default=backfill): _number(
                        0, 3660, 1, "d"
                    ),
                }
            ),
            description_placeholders={
                **choices_placeholders(
                    self.config_entry.options, self._sites(), simulator=self._simulator
                ),
                **self._projection(dict(self.config_entry.options)),
            },
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
        defaults = DEFAULT_INTERVALS
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

    @property
    def _simulator(self) -> bool:
        """Tell whether requests go to the local simulator, which bills nothing."""
        return tesla_hosts(self.hass).simulator

    def _sites(self) -> int:
        data = getattr(self.config_entry, "runtime_data", None)
        return max(len(data.sites), 1) if data is not None else 1

    def _projection(self, options: dict[str, Any]) -> dict[str, str]:
        """Describe the polling and cost a 30-day month of these options brings."""
        return projection_placeholders(
            options, self._sites(), simulator=self._simulator
        )
