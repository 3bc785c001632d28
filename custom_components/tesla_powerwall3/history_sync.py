"""Keeping a site's hourly statistics in step with Tesla's calendar_history.

One request per site-local day. The automatic sync continues from the newest
stored hour (with a small overlap, so late corrections from Tesla land too),
which also fills any outage at the right hours; the import service imports any
range. Both run under the site's lock, so they never interleave.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .fleet import EnergyBucket, FleetClient, FleetError, RateLimitedError
from .history import (
    BUCKET,
    DAILY,
    HOUR,
    STATISTICS,
    Row,
    aggregate_hours,
    buckets_outside_day,
    day_totals,
    end_of_local_day,
    floor_hour,
    local_day_window,
)
from .statistics import StatisticsStore

OVERLAP = timedelta(hours=2)
"""Hours re-imported on each sync, for data Tesla completes or corrects late."""
DEFAULT_BACKFILL_DAYS = 30
REFERENCE = "home_consumption"
"""The statistic whose newest hour tells where the series stands."""
OPTIONAL = {"generator_production"}
"""Written only for sites that have one."""
DAYS_PER_WRITE = 7
"""A long import is written a week at a time: progress survives a restart."""


class WrongDayError(FleetError):
    """Tesla answered with data of another day than the one asked for."""


@dataclass(frozen=True, slots=True)
class DailyEnergy:
    """Today's energy so far (site-local day), in Wh per statistic."""

    day: date
    wh: dict[str, float]

    def share_of_home(self, source: str | None) -> float | None:
        """Return the % of today's home energy from a source, None before any use.

        source is a home_from_* statistic; None means self-powered: everything
        not drawn from the grid.
        """
        home = self.wh.get("home_consumption", 0.0)
        if home <= 0:
            return None
        if source is None:
            value = home - self.wh.get("home_from_grid", 0.0)
        else:
            value = self.wh.get(source, 0.0)
        return round(min(max(value / home * 100, 0.0), 100.0), 1)


@dataclass(slots=True)
class Progress:
    """How far an import of several days has come."""

    days_done: int = 0
    days_total: int = 0
    oldest_day: date | None = None


@dataclass(slots=True)
class ImportResult:
    """What an import wrote (or would write, in a dry run)."""

    first_hour: datetime | None = None
    last_hour: datetime | None = None
    hours: int = 0
    kwh: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    complete: bool = True
    """False when Tesla stopped answering part way (a later sync continues)."""


@dataclass(slots=True)
class _Batch:
    """Rows computed in one import, per statistic, with running totals."""

    totals: dict[str, float]
    rows: dict[str, list[Row]] = field(default_factory=dict)
    next_hour: datetime | None = None

    def add(self, hour: datetime, key: str, wh: float) -> None:
        kwh = round(wh / 1000, 6)
        self.totals[key] = round(self.totals[key] + kwh, 6)
        self.rows.setdefault(key, []).append(Row(hour, kwh, self.totals[key]))


class SiteHistory:
    """The statistics and today's energy of one site."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: FleetClient,
        site_id: int,
        *,
        site_name: Callable[[], str],
        time_zone: Callable[[], str | None],
        backfill_days: Callable[[], int],
    ) -> None:
        """Prepare the history of one site."""
        self._hass = hass
        self.client = client
        self.site_id = site_id
        self._site_name = site_name
        self._time_zone = time_zone
        self._backfill_days = backfill_days
        self.on_progress: Callable[[], None] = lambda: None
        """Called after each imported day (the coordinator updates its entities)."""
        self.store = StatisticsStore(hass, site_id)
        self.lock = asyncio.Lock()
        self.today: DailyEnergy | None = None
        self.progress = Progress()
        self.resume_after: float | None = None
        """Seconds until Tesla allows the paused import to continue."""
        self._reported_zone: str | None = None

    @property
    def writes_statistics(self) -> bool:
        """Tell whether the recorder is there to keep statistics."""
        return "recorder" in self._hass.config.components

    def zone(self) -> ZoneInfo:
        """Return the site's time zone (Tesla's days are site-local)."""
        for name in (self._time_zone(), self._reported_zone):
            if name:
                try:
                    return ZoneInfo(name)
                except ZoneInfoNotFoundError, ValueError:
                    LOGGER.warning("Unknown site time zone %s", name)
        return dt_util.get_default_time_zone()  # type: ignore[return-value]

    def local_today(self, now: datetime) -> date:
        """Return the site-local date of now."""
        return now.astimezone(self.zone()).date()

    async def async_sync(self, now: datetime) -> DailyEnergy:
        """Bring the statistics up to now and refresh today's energy."""
        async with self.lock:
            zone = self.zone()
            today = now.astimezone(zone).date()
            if not self.writes_statistics:
                # Without the recorder only today's energy is of use.
                first_day, start = today, local_day_window(today, zone)[0]
            elif (last := await self.store.async_last_row(REFERENCE)) is None:
                first_day = today - timedelta(days=self._backfill_days())
                start = local_day_window(first_day, zone)[0]
                LOGGER.info(
                    "Importing %d days of energy history for %s",
                    (today - first_day).days + 1,
                    self._site_name(),
                )
            else:
                start = last[0] + HOUR - OVERLAP
                first_day = start.astimezone(zone).date()
            await self._async_import(
                first_day, today, start, now, write_as_it_goes=True
            )
        return self.today or DailyEnergy(
            today, dict.fromkeys((s.key for s in DAILY), 0.0)
        )

    async def async_import(
        self,
        first_day: date,
        last_day: date,
        now: datetime,
        *,
        rebuild: bool = False,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a range of site-local days (the service).

        A rebuild clears the site's statistics and imports from first_day to
        today. Otherwise the range is written with sums continuing the stored
        series, and any stored hours after it are shifted so that none jumps.
        """
        async with self.lock:
            zone = self.zone()
            if rebuild:
                last_day = now.astimezone(zone).date()
                if not dry_run:
                    self.store.clear([s.key for s in STATISTICS])
                    await self.store.async_flush()
            start = local_day_window(first_day, zone)[0]
            return await self._async_import(
                first_day,
                last_day,
                start,
                now,
                rebuild=rebuild,
                dry_run=dry_run,
                write_as_it_goes=False,
            )

    async def _async_import(
        self,
        first_day: date,
        last_day: date,
        start: datetime,
        now: datetime,
        *,
        rebuild: bool = False,
        dry_run: bool = False,
        write_as_it_goes: bool,
    ) -> ImportResult:
        zone = self.zone()
        today = now.astimezone(zone).date()
        start_hour = floor_hour(start)
        if start_hour < start:
            start_hour += HOUR
        anchors = await self._anchors(start_hour, rebuild or not self.writes_statistics)
        newest = await self._newest_hours()
        batch = _Batch(totals=dict(anchors), next_hour=start_hour)
        result = ImportResult()
        sent_before = self.client.counter.total_sent
        days = [
            first_day + timedelta(days=n)
            for n in range((last_day - first_day).days + 1)
        ]
        self.progress = Progress(0, len(days), first_day)
        previous: list[EnergyBucket] = []
        self.resume_after = None
        for day in days:
            try:
                buckets = await self._async_fetch_day(day, zone)
            except RateLimitedError as err:
                result.complete = False
                self.resume_after = err.retry_after
                if not result.requests:
                    raise
                LOGGER.info(
                    "Energy history import of %s paused by Tesla's rate limit",
                    self._site_name(),
                )
                break
            except FleetError as err:
                result.complete = False
                if not result.requests:
                    raise
                LOGGER.warning("Energy history import stopped at %s: %s", day, err)
                break
            finally:
                result.requests = self.client.counter.total_sent - sent_before
            if day == today:
                self.today = DailyEnergy(day, day_totals(buckets))
            self._add_day(
                batch, previous, buckets, day=day, zone=zone, today=today, now=now
            )
            previous = buckets
            self.progress.days_done += 1
            self.on_progress()
            if write_as_it_goes and self.progress.days_done % DAYS_PER_WRITE == 0:
                await self._async_write(batch, result, newest)
        if not dry_run:
            await self._async_write(batch, result, newest)
        if dry_run:
            _summarise(batch, result)
        if self.progress.days_total > 1:
            LOGGER.info(
                "Energy history of %s: %d of %d days imported",
                self._site_name(),
                self.progress.days_done,
                self.progress.days_total,
            )
        return result

    async def _newest_hours(self) -> dict[str, datetime]:
        """Return each statistic's newest stored hour (read once per import)."""
        newest: dict[str, datetime] = {}
        if self.writes_statistics:
            for statistic in STATISTICS:
                if row := await self.store.async_last_row(statistic.key):
                    newest[statistic.key] = row[0]
        return newest

    async def _anchors(self, start_hour: datetime, from_zero: bool) -> dict[str, float]:
        """Return each statistic's stored sum just before the window (or 0)."""
        anchors: dict[str, float] = {}
        for statistic in STATISTICS:
            before = None
            if not from_zero:
                before = await self.store.async_sum_before(statistic.key, start_hour)
            anchors[statistic.key] = before or 0.0
        return anchors

    async def _async_fetch_day(self, day: date, zone: ZoneInfo) -> list[EnergyBucket]:
        """Fetch one site-local day; an empty day is an empty list."""
        history = await self.client.calendar_history(
            self.site_id, end_date=end_of_local_day(day, zone), time_zone=zone.key
        )
        if history.time_zone and not self._time_zone():
            self._reported_zone = history.time_zone
        buckets = list(history.time_series or ())
        if strays := buckets_outside_day(buckets, day, zone):
            raise WrongDayError(
                f"Tesla answered {strays[0].timestamp.date()} for {day}"
            )
        return buckets

    def _add_day(
        self,
        batch: _Batch,
        previous: list[EnergyBucket],
        buckets: list[EnergyBucket],
        *,
        day: date,
        zone: ZoneInfo,
        today: date,
        now: datetime,
    ) -> None:
        """Add the whole UTC hours the day (with the day before) completes."""
        day_start, day_end = local_day_window(day, zone)
        covered_until = day_end
        if day >= today:
            last_bucket = max((b.timestamp for b in buckets), default=None)
            covered_until = min(now, last_bucket + BUCKET if last_bucket else day_start)
        # Only the previous day's buckets in the hour that straddles midnight
        # (half- and quarter-hour zones) are needed again.
        covered_from = floor_hour(day_start) if previous else day_start
        boundary = [b for b in previous if b.timestamp >= covered_from]
        hourly = aggregate_hours([*boundary, *buckets], covered_from, covered_until)
        if hourly is None or batch.next_hour is None:
            return
        for hour in hourly.hours():
            if hour < batch.next_hour:
                continue
            for statistic in STATISTICS:
                batch.add(hour, statistic.key, hourly.wh(hour, statistic.key))
            batch.next_hour = hour + HOUR

    async def _async_write(
        self, batch: _Batch, result: ImportResult, newest: dict[str, datetime]
    ) -> None:
        """Write the batch's rows; shift stored hours after them, if any.

        newest holds each statistic's newest stored hour from before the
        import: only hours after those can need a shift.
        """
        if not self.writes_statistics or not batch.rows:
            return
        name = self._site_name()
        for statistic in STATISTICS:
            rows = batch.rows.get(statistic.key)
            if not rows:
                continue
            if statistic.key in OPTIONAL and not (
                statistic.key in newest or any(row.state for row in rows)
            ):
                continue
            end_hour = rows[-1].start
            shift = 0.0
            if (last := newest.get(statistic.key)) is not None and last > end_hour:
                old = await self.store.async_sum_before(statistic.key, end_hour + HOUR)
                shift = rows[-1].sum - (old or 0.0)
            self.store.write(name, statistic, rows)
            if shift:
                self.store.shift_from(statistic.key, end_hour + HOUR, shift)
        _summarise(batch, result)
        batch.rows = {}
        await self.store.async_flush()


def _summarise(batch: _Batch, result: ImportResult) -> None:
    """Add the batch's rows to the result."""
    for key, rows in batch.rows.items():
        if not rows:
            continue
        result.kwh[key] = round(
            result.kwh.get(key, 0.0) + sum(r.state for r in rows), 3
        )
        first, last = rows[0].start, rows[-1].start
        if result.first_hour is None or first < result.first_hour:
            result.first_hour = first
        if result.last_hour is None or last > result.last_hour:
            result.last_hour = last
    if result.first_hour and result.last_hour:
        result.hours = int((result.last_hour - result.first_hour) / HOUR) + 1
