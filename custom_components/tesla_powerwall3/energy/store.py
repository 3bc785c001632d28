"""Reading and writing a site's hourly statistics in the recorder.

The statistics are external (statistic ids "tesla_powerwall3:site_<id>_<key>"),
so Home Assistant's own 5-minute compiler never touches them. Every database
read runs in the recorder's executor.
"""

from datetime import datetime, timedelta

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import EnergyConverter

from ..const import DOMAIN
from .buckets import Row, Statistic

ANCHOR_SEARCH = timedelta(days=40)
"""How far back the last row before a window is looked for, before all time."""
ALL_TIME = datetime(2000, 1, 1, tzinfo=dt_util.UTC)


def statistic_id(site_id: int, key: str) -> str:
    """Return the external statistic id of a site's statistic."""
    return f"{DOMAIN}:site_{site_id}_{key}"


def metadata(site_id: int, site_name: str, statistic: Statistic) -> StatisticMetaData:
    """Describe a statistic so the Energy dashboard offers it by a readable name."""
    return StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=f"{site_name} {statistic.name}",
        source=DOMAIN,
        statistic_id=statistic_id(site_id, statistic.key),
        unit_class=EnergyConverter.UNIT_CLASS,
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    )


class StatisticsStore:
    """The recorder side of one site's statistics."""

    def __init__(self, hass: HomeAssistant, site_id: int) -> None:
        """Address one site's statistics."""
        self._hass = hass
        self._site_id = site_id

    @property
    def recording(self) -> bool:
        """Tell whether the recorder is there to keep statistics."""
        return "recorder" in self._hass.config.components

    def _id(self, key: str) -> str:
        return statistic_id(self._site_id, key)

    async def async_last_row(self, key: str) -> tuple[datetime, float] | None:
        """Return the start and sum of the newest stored hour."""
        statistic = self._id(key)
        result = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics,
            self._hass,
            1,
            statistic,
            False,  # noqa: FBT003 - convert_units; external ids have no entity
            {"sum"},
        )
        rows = result.get(statistic)
        if not rows:
            return None
        return dt_util.utc_from_timestamp(rows[0]["start"]), rows[0].get("sum") or 0.0

    async def async_sum_before(self, key: str, hour: datetime) -> float | None:
        """Return the sum of the last stored hour before `hour`, None if none."""
        for since in (hour - ANCHOR_SEARCH, ALL_TIME):
            rows = await self._rows(key, since, hour)
            if rows:
                return rows[-1][1]
        return None

    async def _rows(
        self, key: str, start: datetime, end: datetime
    ) -> list[tuple[datetime, float]]:
        statistic = self._id(key)
        result = await get_instance(self._hass).async_add_executor_job(
            statistics_during_period,
            self._hass,
            start,
            end,
            {statistic},
            "hour",
            None,
            {"sum"},
        )
        return [
            (dt_util.utc_from_timestamp(row["start"]), row.get("sum") or 0.0)
            for row in result.get(statistic, [])
        ]

    def write(self, site_name: str, statistic: Statistic, rows: list[Row]) -> None:
        """Queue hourly rows (upserted by hour) for the recorder."""
        async_add_external_statistics(
            self._hass,
            metadata(self._site_id, site_name, statistic),
            [
                StatisticData(start=row.start, state=row.state, sum=row.sum)
                for row in rows
            ],
        )

    def shift_from(self, key: str, start: datetime, kwh: float) -> None:
        """Shift every stored sum from `start` on by kwh; hourly changes stay."""
        get_instance(self._hass).async_adjust_statistics(
            self._id(key), start, kwh, UnitOfEnergy.KILO_WATT_HOUR
        )

    def clear(self, keys: list[str]) -> None:
        """Remove statistics entirely (a rebuild starts from nothing)."""
        get_instance(self._hass).async_clear_statistics([self._id(k) for k in keys])

    async def async_flush(self) -> None:
        """Wait until queued writes are committed."""
        await get_instance(self._hass).async_block_till_done()
