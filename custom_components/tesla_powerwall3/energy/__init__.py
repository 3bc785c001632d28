"""A site's energy history: Tesla's calendar_history as hourly statistics.

buckets: pure arithmetic from 5-minute buckets to hours, running sums and day
totals. importer: the sync, backfill and import of a site's days. store: the
recorder side of a site's statistics. models: what the importer is told and
gives back.
"""
