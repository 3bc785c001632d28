"""Reading a Fleet API answer: its body within a cap, its JSON, its error.

The body is read in chunks and never held beyond MAX_BODY_BYTES, so a broken
or hostile server cannot fill the memory of the Home Assistant host.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import json
import math
import re
from typing import Final

import aiohttp

from .errors import (
    ApplicationDisabledError,
    DeviceOfflineError,
    FleetHTTPError,
    MissingScopesError,
    NotFoundError,
    NotRegisteredError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    TokenExpiredError,
    WrongRegionError,
)

MAX_BODY_BYTES: Final = 4 * 1024 * 1024
"""The largest body read. The largest real answer is a calendar_history day of
5-minute buckets: 228 KB for a 25-hour DST day (measured on the simulator, whose
buckets carry Tesla's fields); products for 20 sites take 29 KB. 4 MiB leaves
18 times that, and is still nothing to a Home Assistant host's memory."""
CHUNK_BYTES: Final = 64 * 1024
"""How much is read at a time."""

_BASE_URL_IN_ERROR = re.compile(r"use base URL: (https://[-a-zA-Z0-9.]+)")
_REGION_IN_ERROR = re.compile(r"current region (https://[-a-zA-Z0-9.]+)")
_RETRY_IN_BODY = re.compile(r"Retry in (\d+) seconds")
_APPLICATION_DISABLED = re.compile(r"account disabled|exceeded_limit", re.IGNORECASE)

HTTP_PAYMENT_REQUIRED: Final = 402
HTTP_FORBIDDEN: Final = 403
HTTP_SERVER_ERROR: Final = 500


async def read_body(
    response: aiohttp.ClientResponse, endpoint: str, limit: int = MAX_BODY_BYTES
) -> str:
    """Return the body as text; raise ResponseTooLargeError past limit bytes.

    A Content-Length over the limit is refused before anything is read.
    """
    if response.content_length is not None and response.content_length > limit:
        raise _too_large(endpoint, limit)
    chunks: list[bytes] = []
    size = 0
    while chunk := await response.content.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise _too_large(endpoint, limit)
        chunks.append(chunk)
    # JSON is UTF-8 (RFC 8259); a stray byte must not hide the error text.
    return b"".join(chunks).decode("utf-8", errors="replace")


def _too_large(endpoint: str, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{endpoint}: the answer is larger than {limit // (1024 * 1024)} MiB,"
        " far more than the Fleet API sends; not read"
    )


def parse_json(body: str) -> object:
    """Return the JSON value of body, or None when it is not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _error_text(payload: object, body: str) -> str | None:
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, str) and error:
            return error
        return None
    return body.strip()[:200] or None


def error_for(
    status: int,
    endpoint: str,
    payload: object,
    body: str,
    headers: Mapping[str, str],
) -> FleetHTTPError:
    """Map an error status to the exception a caller handles."""
    error = _error_text(payload, body)
    if status == HTTP_PAYMENT_REQUIRED or (
        status == HTTP_FORBIDDEN and _APPLICATION_DISABLED.search(error or "")
    ):
        # Tesla switched the application off (over its billing limit): not a
        # missing scope, so no reauthentication.
        return ApplicationDisabledError(status, error, endpoint)
    simple: dict[int, type[FleetHTTPError]] = {
        401: TokenExpiredError,
        403: MissingScopesError,
        404: NotFoundError,
        408: DeviceOfflineError,
    }
    if status in simple:
        return simple[status](status, error, endpoint)
    if status == 412:  # noqa: PLR2004
        match = _REGION_IN_ERROR.search(error or "")
        return NotRegisteredError(
            status, error, endpoint, region_url=match[1] if match else None
        )
    if status == 421:  # noqa: PLR2004
        match = _BASE_URL_IN_ERROR.search(error or "")
        return WrongRegionError(
            status, error, endpoint, base_url=match[1] if match else None
        )
    if status == 429:  # noqa: PLR2004
        return RateLimitedError(
            status,
            error,
            endpoint,
            retry_after=retry_after(headers, error),
            limit=_int_header(headers, "RateLimit-Limit"),
            remaining=_int_header(headers, "RateLimit-Remaining"),
            reset=_float_header(headers, "RateLimit-Reset"),
        )
    if status >= HTTP_SERVER_ERROR:
        return ServerError(status, error, endpoint)
    return FleetHTTPError(status, error, endpoint)


def retry_after(headers: Mapping[str, str], error: str | None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or HTTP date) or the body.

    None when neither names a finite wait; the rate limit gate bounds the rest.
    """
    value = headers.get("Retry-After")
    if value:
        seconds = _finite_or_none(value)
        if seconds is not None:
            return seconds
        try:
            when = parsedate_to_datetime(value)
        except TypeError, ValueError, OverflowError:
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return (when - datetime.now(UTC)).total_seconds()
    match = _RETRY_IN_BODY.search(error or "")
    return _finite_or_none(match[1]) if match else None


def _finite_or_none(value: str) -> float | None:
    """Return value as a number; None for text, NaN and infinities."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    return _finite_or_none(value) if value else None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = _float_header(headers, name)
    return int(value) if value is not None else None
