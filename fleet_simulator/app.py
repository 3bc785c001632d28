"""The simulator's aiohttp application: routes, faults and the token check."""

from aiohttp import web
from aiohttp.typedefs import Handler

from . import controls, fleet, oauth
from .state import STATE, SimulatorConfig, SimulatorState, state_of

__all__ = ["SimulatorConfig", "create_app"]

API = "/api/1/"
PARTNER = "/api/1/partner_accounts"

_INDEX = """Tesla Fleet API simulator

OAuth:      GET/POST /oauth2/v3/authorize, POST /oauth2/v3/token
Fleet API:  GET /api/1/users/region, GET /api/1/products,
            GET /api/1/energy_sites/{{id}}/live_status | site_info |
                calendar_history?kind=energy&period=day&end_date=...,
            POST /api/1/partner_accounts, GET /api/1/partner_accounts/public_key
Controls:   GET/DELETE /sim/requests, GET/POST/DELETE /sim/faults,
            POST /sim/tokens/expire, POST /sim/tokens/revoke,
            POST /sim/grid {{"up": false}} (a grid outage) or {{"up": true}}

Sites: {sites}, time zone {time_zone}, region {region}.
"""


def _endpoint(path: str) -> str:
    """Return the name requests are counted under: the last path segment."""
    return path.rstrip("/").rsplit("/", 1)[-1] or "/"


def _check_token(request: web.Request, state: SimulatorState) -> web.Response | None:
    """Return the error answer for a Fleet API request the token does not allow."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    grant = state.access_tokens.get(token)
    if grant is None or grant.expires <= state.now().timestamp():
        return web.json_response({"error": "token expired (401)"}, status=401)
    if request.path.startswith(PARTNER):
        # Partner endpoints take the app's own (client_credentials) token.
        return fleet.missing_scopes() if grant.subject is not None else None
    if grant.subject is None or fleet.ENERGY_SCOPE not in grant.scopes:
        return fleet.missing_scopes()
    return None


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count requests, answer with queued faults, and check Fleet API tokens."""
    if request.path == "/" or request.path.startswith("/sim/"):
        return await handler(request)
    state = state_of(request)
    state.requests[_endpoint(request.path)] += 1
    if fault := state.take_fault(request.path):
        return controls.fault_response(fault)
    if request.path.startswith(API) and (refusal := _check_token(request, state)):
        return refusal
    if (
        state.config.require_registration
        and not state.partner_keys
        and request.path.startswith(API)
        and not request.path.startswith(PARTNER)
    ):
        return _not_registered(request)
    return await handler(request)


def _not_registered(request: web.Request) -> web.Response:
    """Answer as Tesla does before the app is registered in the region."""
    base = state_of(request).config.base_url or f"{request.scheme}://{request.host}"
    return web.json_response(
        {
            "error": f"Account *** must be registered in the current region {base}, "
            "please see https://developer.tesla.com/docs/fleet-api/endpoints/"
            "partner-endpoints#register"
        },
        status=412,
    )


async def index(request: web.Request) -> web.Response:
    """Say what the simulator serves."""
    config = state_of(request).config
    return web.Response(
        text=_INDEX.format(
            sites=config.sites, time_zone=config.time_zone, region=config.region
        )
    )


def create_app(config: SimulatorConfig | None = None) -> web.Application:
    """Build the simulator's application."""
    app = web.Application(middlewares=[gate])
    app[STATE] = SimulatorState(config or SimulatorConfig())
    router = app.router
    router.add_get("/", index)
    router.add_get("/oauth2/v3/authorize", oauth.authorize_page)
    router.add_post("/oauth2/v3/authorize", oauth.authorize_submit)
    router.add_post("/oauth2/v3/token", oauth.token)
    router.add_get("/api/1/users/region", fleet.users_region)
    router.add_get("/api/1/products", fleet.products)
    site = "/api/1/energy_sites/{site_id}"
    router.add_get(f"{site}/live_status", fleet.live_status)
    router.add_get(f"{site}/site_info", fleet.site_info)
    router.add_get(f"{site}/calendar_history", fleet.calendar_history)
    router.add_post(PARTNER, fleet.register_partner)
    router.add_get(f"{PARTNER}/public_key", fleet.partner_public_key)
    router.add_get(
        "/_domains/{domain}/.well-known/appspecific/com.tesla.3p.public-key.pem",
        fleet.hosted_public_key,
    )
    router.add_get("/sim/requests", controls.requests)
    router.add_delete("/sim/requests", controls.reset_requests)
    router.add_get("/sim/faults", controls.faults)
    router.add_post("/sim/faults", controls.add_fault)
    router.add_delete("/sim/faults", controls.clear_faults)
    router.add_post("/sim/tokens/expire", controls.expire_tokens)
    router.add_post("/sim/tokens/revoke", controls.revoke_tokens)
    router.add_post("/sim/grid", controls.set_grid)
    return app
