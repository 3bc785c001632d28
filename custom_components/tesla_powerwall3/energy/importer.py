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

from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..fleet import EnergyBucket, FleetClient, FleetError, RateLimitedError
from .buckets import (
    DAILY,
    HOUR,
    STATISTICS,
    HourlyEnergy,
    Row,
    buckets_outside_day,
    ceil_hour,
    completed_hours,
    day_totals,
    end_of_local_day,
    local_day_window,
    running_sums,
)
from .models import DailyEnergy, ImportResult, Progress, SiteSettings, SyncResult
from .store import StatisticsStore

OVERLAP = timedelta(hours=2)
"""Hours re-imported on each sync, for data Tesla completes or corrects late."""
REFERENCE = "home_consumption"
"""The statistic whose newest hour tells where the series stands."""
OPTIONAL = {"generator_production"}
"""Written only for sites that have one."""
DAYS_PER_WRITE = 7
"""A long import is written a week at a time: progress survives a restart."""
MAX_REMEMBERED = 10_000
"""Rejected buckets remembered so that each is logged once (about a month's)."""

type DayImported = Callable[[], None]
"""Told after each imported day, when `EnergyImporter.progress` has moved on."""


class WrongDayError(FleetError):
    """Tesla answered with data of another day than the one asked for."""


class RebuildStoppedError(FleetError):
    """A rebuild ended before it had every day: no stored hour was changed."""

    def __init__(self, reason: str, requests: int) -> None:
        """Tell why, and how many requests the rebuild sent."""
        super().__init__(reason)
        self.requests = requests


@dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """One import: which site-local days, from which instant, written how."""

    site: SiteSettings
    zone: ZoneInfo
    first_day: date
    last_day: date
    start: datetime
    """Hours from here on are imported (the days may begin earlier)."""
    now: datetime
    on_day: DayImported
    from_zero: bool
    """Sums start at 0 instead of continuing the stored series."""
    rebuild: bool = False
    """Replace the stored series, once every day has been fetched."""
    dry_run: bool = False
    write_as_it_goes: bool = False
    """Write a week at a time instead of once at the end."""


@dataclass(slots=True)
class _Batch:
    """Rows computed in one import, per statistic, with running totals."""

    totals: dict[str, float]
    """Each statistic's sum so far (the stored sum before the import, or 0)."""
    next_hour: datetime
    """The first hour not added yet."""
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def add(self, hourly: HourlyEnergy) -> None:
        """Add every statistic's rows of the span, continuing the sums."""
        for statistic in STATISTICS:
            rows = running_sums(hourly, statistic.key, self.totals[statistic.key])
            self.totals[statistic.key] = rows[-1].sum
            self.rows.setdefault(statistic.key, []).extend(rows)
        self.next_hour = hourly.last_hour + HOUR


class EnergyImporter:
    """Imports one site's calendar_history into its statistics and today's energy."""

    def __init__(
        self, client: FleetClient, site_id: int, store: StatisticsStore
    ) -> None:
        """Prepare the importer of one site."""
        self._client = client
        self._site_id = site_id
        self.store = store
        self._lock = asyncio.Lock()
        self._today: DailyEnergy | None = None
        """Today's energy from the last run that fetched today."""
        self.progress = Progress()
        """How far the current (or last) run has come."""
        self._reported_zone: str | None = None
        self._rejected: set[datetime] = set()
        """Buckets already logged as not plausible (each is logged once)."""
        self._stopping = False

    def stop(self) -> None:
        """Stop the running sync or import before its next request, for good.

        The entry is unloading: a run stops at its next day without writing
        (as if cancelled) and no later run sends anything.
        """
        self._stopping = True

    def _check_stopping(self) -> None:
        if self._stopping:
            raise asyncio.CancelledError("the entry is unloading")

    def zone(self, time_zone: str | None) -> ZoneInfo:
        """Return the site's time zone (Tesla's days are site-local).

        time_zone is the site's own; without one, the zone Tesla's answers
        name, else Home Assistant's.
        """
        for name in (time_zone, self._reported_zone):
            if name:
                try:
                    return ZoneInfo(name)
                except ZoneInfoNotFoundError, ValueError:
                    LOGGER.warning("Unknown site time zone %s", name)
        return dt_util.get_default_time_zone()  # type: ignore[return-value]

    async def async_sync(
        self, site: SiteSettings, now: datetime, *, on_day: DayImported
    ) -> SyncResult:
        """Bring the statistics up to now and refresh today's energy."""
        async with self._lock:
            zone = self.zone(site.time_zone)
            today = now.astimezone(zone).date()
            if not self.store.recording:
                # Without the recorder only today's energy is of use.
                first_day, start = today, local_day_window(today, zone)[0]
            elif (last := await self.store.async_last_row(REFERENCE)) is None:
                first_day = today - timedelta(days=site.backfill_days)
                start = local_day_window(first_day, zone)[0]
                LOGGER.info(
                    "Importing %d days of energy history for %s",
                    (today - first_day).days + 1,
                    site.name,
                )
            else:
                start = last[0] + HOUR - OVERLAP
                first_day = start.astimezone(zone).date()
            result = await self._async_run(
                _Run(
                    site=site,
                    zone=zone,
                    first_day=first_day,
                    last_day=today,
                    start=start,
                    now=now,
                    on_day=on_day,
                    from_zero=not self.store.recording,
                    write_as_it_goes=True,
                )
            )
        return SyncResult(
            today=self._today
            or DailyEnergy(today, dict.fromkeys((s.key for s in DAILY), 0.0)),
            resume_after=result.resume_after,
        )

    async def async_import(
        self,
        site: SiteSettings,
        first_day: date,
        last_day: date,
        now: datetime,
        *,
        on_day: DayImported,
        rebuild: bool = False,
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a range of site-local days (the service).

        A rebuild fetches every day from first_day to today and only then
        replaces the site's statistics with them; if Tesla stops answering
        first, it raises RebuildStoppedError and nothing stored changes.
        Otherwise the range is written with sums continuing the stored series,
        and any stored hours after it are shifted so that none jumps.
        """
        async with self._lock:
            zone = self.zone(site.time_zone)
            if rebuild:
                last_day = now.astimezone(zone).date()
            return await self._async_run(
                _Run(
                    site=site,
                    zone=zone,
                    first_day=first_day,
                    last_day=last_day,
                    start=local_day_window(first_day, zone)[0],
                    now=now,
                    on_day=on_day,
                    from_zero=rebuild or not self.store.recording,
                    rebuild=rebuild,
                    dry_run=dry_run,
                )
            )

    async def _async_run(self, run: _Run) -> ImportResult:
        """Fetch the run's days one by one, adding up and writing their hours."""
        site, zone, now = run.site, run.zone, run.now
        today = now.astimezone(zone).date()
        start_hour = ceil_hour(run.start)
        batch = _Batch(
            totals=await self._anchors(start_hour, run.from_zero), next_hour=start_hour
        )
        newest = await self._newest_hours()
        result = ImportResult()
        sent_before = self._client.counter.total_sent
        days = [
            run.first_day + timedelta(days=n)
            for n in range((run.last_day - run.first_day).days + 1)
        ]
        self.progress = Progress(0, len(days), run.first_day)
        previous: list[EnergyBucket] = []
        fetched_any = False
        for day in days:
            self._check_stopping()
            try:
                buckets = await self._async_fetch_day(day, zone, site)
            except FleetError as err:
                result.requests = self._client.counter.total_sent - sent_before
                self._stopped_at(day, run, result, err)
                break
            result.requests = self._client.counter.total_sent - sent_before
            fetched_any = fetched_any or bool(buckets)
            if day == today:
                self._today = DailyEnergy(day, day_totals(buckets))
            if hourly := completed_hours(
                day, zone, buckets, previous=previous, since=batch.next_hour, now=now
            ):
                batch.add(hourly)
            previous = buckets
            self.progress.days_done += 1
            run.on_day()
            if run.write_as_it_goes and self.progress.days_done % DAYS_PER_WRITE == 0:
                await self._async_write(site, batch, result, newest)
        self._check_stopping()
        if run.dry_run:
            result.add(batch.rows)
        elif not run.rebuild:
            await self._async_write(site, batch, result, newest)
        elif fetched_any:
            await self._async_write(site, batch, result, newest, replace=True)
        else:
            # An outage on Tesla's side must not replace the history with zeros.
            raise RebuildStoppedError(
                "Tesla has no data for these days", result.requests
            )
        if self.progress.days_total > 1:
            LOGGER.info(
                "Energy history of %s: %d of %d days imported",
                site.name,
                self.progress.days_done,
                self.progress.days_total,
            )
        return result

    def _stopped_at(
        self, day: date, run: _Run, result: ImportResult, err: FleetError
    ) -> None:
        """Take note that Tesla stopped answering; raise if nothing is to be kept.

        A rebuild keeps nothing unless it has every day; other runs keep the
        days they have unless the first one failed.
        """
        result.complete = False
        if isinstance(err, RateLimitedError):
            result.resume_after = err.retry_after
        if run.rebuild and not run.dry_run:
            raise RebuildStoppedError(str(err), result.requests) from err
        if not self.progress.days_done:
            raise err
        if isinstance(err, RateLimitedError):
            LOGGER.info(
                "Energy history import of %s paused by Tesla's rate limit",
                run.site.name,
            )
        else:
            LOGGER.warning("Energy history import stopped at %s: %s", day, err)

    async def _newest_hours(self) -> dict[str, datetime]:
        """Return each statistic's newest stored hour (read once per import)."""
        newest: dict[str, datetime] = {}
        if self.store.recording:
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

    async def _async_fetch_day(
        self, day: date, zone: ZoneInfo, site: SiteSettings
    ) -> list[EnergyBucket]:
        """Fetch one site-local day; an empty day is an empty list."""
        history = await self._client.calendar_history(
            self._site_id, end_date=end_of_local_day(day, zone), time_zone=zone.key
        )
        if history.time_zone and not site.time_zone:
            self._reported_zone = history.time_zone
        if new := set(history.rejected) - self._rejected:
            if len(self._rejected) > MAX_REMEMBERED:
                self._rejected.clear()
            self._rejected |= new
            LOGGER.warning(
                "Tesla's energy history of %s for %s has %d buckets whose values "
                "are not plausible numbers (first at %s); they count as absent",
                site.name,
                day,
                len(new),
                min(new).isoformat(),
            )
        buckets = list(history.time_series or ())
        if strays := buckets_outside_day(buckets, day, zone):
            raise WrongDayError(
                f"Tesla answered {strays[0].timestamp.date()} for {day}"
            )
        return buckets

    async def _async_write(
        self,
        site: SiteSettings,
        batch: _Batch,
        result: ImportResult,
        newest: dict[str, datetime],
        *,
        replace: bool = False,
    ) -> None:
        """Write the batch's rows; shift stored hours after them, if any.

        newest holds each statistic's newest stored hour from before the
        import: only hours after those can need a shift. replace (a rebuild
        that has every day): the stored series are removed in the same breath,
        so the new ones start from nothing and nothing is shifted.
        """
        if not self.store.recording or not batch.rows:
            return
        if replace:
            self.store.clear([s.key for s in STATISTICS])
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
            last = None if replace else newest.get(statistic.key)
            if last is not None and last > end_hour:
                old = await self.store.async_sum_before(statistic.key, end_hour + HOUR)
                shift = rows[-1].sum - (old or 0.0)
            self.store.write(site.name, statistic, rows)
            if shift:
                self.store.shift_from(statistic.key, end_hour + HOUR, shift)
        result.add(batch.rows)
        batch.rows = {}
        await self.store.async_flush()
