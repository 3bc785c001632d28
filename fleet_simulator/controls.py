"""Controls for tests and demos under /sim/: counters, faults, token expiry."""

from http import HTTPStatus
from typing import Any

from aiohttp import web

from .state import Fault, state_of

DEFAULT_BODIES: dict[int, Any] = {
    401: {"error": "token expired (401)"},
    403: {
        "response": None,
        "error": "Unauthorized missing scopes",
        "error_description": "",
    },
    429: {"response": None, "error": "Too many requests", "error_description": ""},
    500: {"response": None, "error": "upstream internal error"},
}
"""Bodies Tesla sends for some statuses (see the reference payloads)."""


def default_body(status: int) -> Any:
    """Return what the simulator answers with for an injected status by default."""
    if status in DEFAULT_BODIES:
        return DEFAULT_BODIES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    return {"response": None, "error": phrase.lower(), "error_description": ""}


def fault_response(fault: Fault) -> web.Response:
    """Return the injected answer: JSON, or text when the body is a string."""
    if isinstance(fault.body, str):
        return web.Response(text=fault.body, status=fault.status, headers=fault.headers)
    return web.json_response(fault.body, status=fault.status, headers=fault.headers)


async def requests(request: web.Request) -> web.Response:
    """Return how many requests each endpoint received (by last path segment)."""
    return web.json_response(dict(sorted(state_of(request).requests.items())))


async def reset_requests(request: web.Request) -> web.Response:
    """Set every request counter back to zero."""
    state_of(request).requests.clear()
    return web.json_response({})


async def faults(request: web.Request) -> web.Response:
    """List the queued faults."""
    return web.json_response([fault.describe() for fault in state_of(request).faults])


def _parse_fault(body: Any) -> Fault:
    """Build a fault from the POST body; ValueError if it does not make sense."""
    if not isinstance(body, dict):
        raise TypeError("expected a JSON object")
    status = int(body.get("status", 500))
    count = int(body.get("count", 1))
    headers = body.get("headers") or {}
    if not 400 <= status <= 599 or count < 1 or not isinstance(headers, dict):  # noqa: PLR2004
        raise ValueError("status must be 4xx/5xx, count >= 1, headers an object")
    return Fault(
        path_contains=str(body.get("path_contains", "")),
        status=status,
        count=count,
        body=body["body"] if "body" in body else default_body(status),
        headers={str(key): str(value) for key, value in headers.items()},
    )


async def add_fault(request: web.Request) -> web.Response:
    """Queue an error answer for the next `count` requests whose path matches.

    Body: {"path_contains": "live_status", "status": 429, "count": 1,
    "body": {...} or "text", "headers": {"Retry-After": "60"}}. Faults apply to
    every path but /sim/, before the token is checked; the oldest matching
    fault is used first.
    """
    try:
        fault = _parse_fault(await request.json())
    except (TypeError, ValueError) as err:
        return web.json_response({"error": str(err)}, status=400)
    state = state_of(request)
    state.faults.append(fault)
    return web.json_response({"queued": len(state.faults)})


async def clear_faults(request: web.Request) -> web.Response:
    """Drop every queued fault."""
    state_of(request).faults.clear()
    return web.json_response({"queued": 0})


async def expire_tokens(request: web.Request) -> web.Response:
    """Expire every access token (refresh tokens keep working)."""
    state = state_of(request)
    for token, grant in state.access_tokens.items():
        state.access_tokens[token] = grant.expired()
    return web.json_response({"expired": len(state.access_tokens)})


async def revoke_tokens(request: web.Request) -> web.Response:
    """Revoke every token, as a password change does: refresh needs a new login."""
    state = state_of(request)
    revoked = len(state.access_tokens) + len(state.refresh_tokens)
    state.access_tokens.clear()
    state.refresh_tokens.clear()
    return web.json_response({"revoked": revoked})


async def set_grid(request: web.Request) -> web.Response:
    """Start or end a grid outage: body {"up": false} or {"up": true}."""
    try:
        body = await request.json()
        up = body["up"]
    except ValueError, TypeError, KeyError:
        up = None
    if not isinstance(up, bool):
        return web.json_response({"error": 'expected {"up": true|false}'}, status=400)
    state_of(request).grid_up = up
    return web.json_response({"up": up})
