"""What the importer is told of a site, and what it gives back."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from .buckets import Row, count_hours


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """What an import needs to know of its site, read afresh for each run."""

    name: str
    """The site's name: statistics are named after it."""
    time_zone: str | None
    """The site's installation time zone from site_info, if it names one."""
    backfill_days: int
    """Days imported when the site has no statistics yet."""


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
    resume_after: float | None = None
    """Seconds until Tesla's rate limit lets a paused import continue."""

    def add(self, rows: Mapping[str, list[Row]]) -> None:
        """Count rows written (or, in a dry run, computed) per statistic."""
        for key, statistic_rows in rows.items():
            if not statistic_rows:
                continue
            self.kwh[key] = round(
                self.kwh.get(key, 0.0) + sum(r.state for r in statistic_rows), 3
            )
            first, last = statistic_rows[0].start, statistic_rows[-1].start
            if self.first_hour is None or first < self.first_hour:
                self.first_hour = first
            if self.last_hour is None or last > self.last_hour:
                self.last_hour = last
        if self.first_hour and self.last_hour:
            self.hours = count_hours(self.first_hour, self.last_hour)


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync brought: today's energy, and when to continue if paused."""

    today: DailyEnergy
    resume_after: float | None
    """Seconds until Tesla's rate limit lets the paused sync continue."""
