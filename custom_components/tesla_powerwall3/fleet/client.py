"""The aiohttp client for the Fleet API energy endpoints."""

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
import logging
import re
from typing import Any, Protocol

import aiohttp

from .commands import Command
from .const import REQUEST_TIMEOUT_SECONDS
from .counter import RequestCounter
from .errors import (
    CommandRefusedError,
    FleetConnectionError,
    InvalidResponseError,
    NotRegisteredError,
    RateLimitedError,
    TokenExpiredError,
    WrongRegionError,
)
from .history import EnergyHistory
from .models import (
    EnergySiteProduct,
    LiveStatus,
    PartnerAccount,
    Region,
    SiteInfo,
)
from .ratelimit import RateLimitGate
from .redact import scrub
from .responses import error_for, parse_json, read_body
from .tesla.hosts import TESLA_HOSTS, TeslaHosts

_LOGGER = logging.getLogger(__name__)

_SITE_IN_PATH = re.compile(r"/energy_sites/(\d+)/")


class TokenProvider(Protocol):
    """Returns a valid access token, refreshing it first when forced or due."""

    async def __call__(self, *, force_refresh: bool = False) -> str:
        """Return the access token to send."""


class _Checked(Protocol):
    """A model that names the fields it found implausible."""

    @property
    def implausible(self) -> tuple[str, ...]:
        """Return the fields whose numbers were not plausible."""


class StaticToken:
    """Provides one token that cannot be refreshed: a fresh login, a partner."""

    def __init__(self, access_token: str) -> None:
        """Hold the token."""
        self._access_token = access_token

    async def __call__(self, *, force_refresh: bool = False) -> str:
        """Return the token."""
        return self._access_token


class FleetClient:
    """Calls the Fleet API for one account (or one partner app).

    Every request goes through the request counter, because Tesla may bill it.
    A 401 refreshes the token and a 421 moves to the region Tesla names, each
    followed by one retry.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_provider: TokenProvider,
        base_url: str,
        *,
        hosts: TeslaHosts = TESLA_HOSTS,
        on_region_change: Callable[[str], None] | None = None,
        counter: RequestCounter | None = None,
        gate: RateLimitGate | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        """Create a client for the given regional base URL.

        The bearer token goes only to one of the hosts' Fleet API hosts: a
        base URL that is none of them is replaced by the default region's
        (a 421 then moves to the right one). A 421 is followed only to one of
        them; then on_region_change gets the new base URL, so the caller can
        keep it.
        """
        self._session = session
        self._token_provider = token_provider
        self.base_url = _allowed_base_url(hosts, base_url)
        self._hosts = hosts
        self._on_region_change = on_region_change
        self.counter = counter if counter is not None else RequestCounter()
        self.gate = gate if gate is not None else RateLimitGate()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._implausible_logged: set[tuple[str, str]] = set()

    async def products(self) -> list[EnergySiteProduct]:
        """List the account's energy sites (vehicles are left out)."""
        response = await self._get("/api/1/products", "products")
        if not isinstance(response, list):
            raise InvalidResponseError("products: response is not a list")
        return [
            product
            for item in response
            if isinstance(item, dict)
            and (product := EnergySiteProduct.from_dict(item)) is not None
        ]

    async def users_region(self) -> Region:
        """Ask Tesla which region serves the account."""
        return Region.from_dict(
            _require_object(await self._get("/api/1/users/region", "users_region"))
        )

    async def live_status(self, site_id: int) -> LiveStatus:
        """Read the live power flows of a site."""
        response = await self._get(_site_path(site_id, "live_status"), "live_status")
        return self._logged(
            "live_status", LiveStatus.from_dict(_require_object(response))
        )

    async def site_info(self, site_id: int) -> SiteInfo:
        """Read the configuration and hardware of a site."""
        response = await self._get(_site_path(site_id, "site_info"), "site_info")
        return self._logged("site_info", SiteInfo.from_dict(_require_object(response)))

    async def calendar_history(
        self,
        site_id: int,
        *,
        end_date: datetime,
        time_zone: str | None = None,
        start_date: datetime | None = None,
        period: str = "day",
    ) -> EnergyHistory:
        """Read kind=energy history for the window that ends at end_date.

        Dates must carry an offset; they are sent as RFC 3339, URL-encoded, so a
        "+10:00" offset is not turned into a space.
        """
        params = {"kind": "energy", "period": period}
        for name, value in (("start_date", start_date), ("end_date", end_date)):
            if value is None:
                continue
            if value.tzinfo is None:
                raise ValueError(f"{name} must carry a time zone offset")
            params[name] = value.isoformat(timespec="seconds")
        if time_zone:
            params["time_zone"] = time_zone
        return EnergyHistory.from_dict(
            _require_object(
                await self._get(
                    _site_path(site_id, "calendar_history"),
                    "calendar_history",
                    params,
                )
            )
        )

    async def register_partner_domain(self, domain: str) -> PartnerAccount:
        """Register the app's domain in this region (needs a partner token)."""
        return PartnerAccount.from_dict(
            _require_object(
                await self._request(
                    "POST",
                    "/api/1/partner_accounts",
                    "partner_accounts",
                    json_body={"domain": domain},
                )
            )
        )

    async def partner_public_key(self, domain: str) -> str | None:
        """Return the public key Tesla holds for a domain (hex EC point)."""
        response = _require_object(
            await self._get(
                "/api/1/partner_accounts/public_key",
                "partner_public_key",
                {"domain": domain},
            )
        )
        key = response.get("public_key")
        return key if isinstance(key, str) and key else None

    async def send_command(self, site_id: int, command: Command) -> None:
        """POST one command to a site; raises unless Tesla says it applied it.

        Never retried by the client beyond the 401 refresh and the 421 move:
        each command is billed.
        """
        response = await self._request(
            "POST",
            _site_path(site_id, command.name),
            command.name,
            json_body=command.body,
        )
        if (reason := _refusal(response)) is not None:
            raise CommandRefusedError(f"{command.name}: {reason}")

    def _logged[ModelT: _Checked](self, endpoint: str, model: ModelT) -> ModelT:
        """Log each implausible field once for this client (once per load)."""
        for key in model.implausible:
            if (endpoint, key) not in self._implausible_logged:
                self._implausible_logged.add((endpoint, key))
                _LOGGER.warning(
                    "Tesla sent an implausible %s %s (not a finite number in the"
                    " range of a home); it is shown as unknown",
                    endpoint,
                    key,
                )
        return model

    async def _get(
        self, path: str, endpoint: str, params: Mapping[str, str] | None = None
    ) -> object:
        return await self._request("GET", path, endpoint, params=params)

    async def _request(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> object:
        """Send a request; on a 421 move to the region Tesla names, retry once."""

        async def send() -> object:
            return await self._send(method, path, endpoint, params, json_body)

        try:
            return await self._refreshing(send)
        except WrongRegionError as err:
            if not self._follow_region(err):
                raise
            return await self._refreshing(send)

    async def _refreshing(self, send: Callable[[], Awaitable[object]]) -> object:
        """Send; on a 401 refresh the token once and send again."""
        try:
            return await send()
        except TokenExpiredError:
            await self._token_provider(force_refresh=True)
            return await send()

    def _follow_region(self, err: WrongRegionError) -> bool:
        """Move to the Fleet API host a 421 names; False if none, this or foreign."""
        if err.base_url is None:
            return False
        base_url = self._hosts.fleet_api_url(err.base_url)
        if base_url is None:
            _LOGGER.warning(
                "Not following a 421 to %s: not a Tesla Fleet API host", err.base_url
            )
            return False
        if base_url == self.base_url:
            return False
        _LOGGER.debug("Tesla serves the account from %s, switching region", base_url)
        self.base_url = base_url
        if self._on_region_change is not None:
            self._on_region_change(base_url)
        return True

    async def _send(
        self,
        method: str,
        path: str,
        endpoint: str,
        params: Mapping[str, str] | None,
        json_body: Mapping[str, Any] | None,
    ) -> object:
        self.gate.check(endpoint)
        # Error texts may name the site (a URL, Tesla's message): masked.
        site = match[1] if (match := _SITE_IN_PATH.search(path)) else ""
        token = await self._token_provider()
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                self.counter.record(endpoint, response.status)
                body = await read_body(response, endpoint)
                status = response.status
                response_headers = response.headers
        except TimeoutError as err:
            self.counter.record(endpoint, None)
            raise FleetConnectionError(f"{endpoint}: request timed out") from err
        except aiohttp.ClientError as err:
            self.counter.record(endpoint, None)
            # Not chained: aiohttp's own text would show the URL in tracebacks.
            detail = scrub(f"{type(err).__name__}: {err}", site)
            raise FleetConnectionError(f"{endpoint}: {detail}") from None

        payload = parse_json(body)
        if status >= 400:  # noqa: PLR2004
            error = error_for(status, endpoint, payload, body, response_headers)
            if error.error:
                error.error = scrub(error.error, site)
            if isinstance(error, RateLimitedError):
                error.retry_after = self.gate.close_for(error.retry_after)
            if isinstance(error, NotRegisteredError) and error.region_url:
                # Shown to the user as where to register: only Tesla's hosts.
                error.region_url = self._hosts.fleet_api_url(error.region_url)
            raise error
        if not isinstance(payload, dict):
            raise InvalidResponseError(f"{endpoint}: body is not a JSON object")
        if "response" in payload:
            return payload["response"]
        # Partner endpoints answer without the envelope in Tesla's examples.
        return payload


def _allowed_base_url(hosts: TeslaHosts, base_url: str) -> str:
    """Return base_url if it is one of hosts' Fleet API hosts, else the default."""
    if (allowed := hosts.fleet_api_url(base_url)) is not None:
        return allowed
    _LOGGER.warning(
        "Not using %s: not a Tesla Fleet API host; asking %s instead",
        base_url,
        hosts.default_base_url,
    )
    return hosts.default_base_url


def _site_path(site_id: int, name: str) -> str:
    return f"/api/1/energy_sites/{int(site_id)}/{name}"


def _refusal(response: object) -> str | None:
    """Return why a 2xx command answer says it was not applied, else None.

    Tesla answers {"code": 201, "message": "Updated"}; the owner API once sent
    an empty string. A false result or a code outside 2xx is a refusal.
    """
    if not isinstance(response, dict):
        return None
    if response.get("result") is False:
        reason = response.get("reason")
        return reason if isinstance(reason, str) and reason else "refused"
    code = response.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and not 200 <= code < 300:  # noqa: PLR2004
        message = response.get("message")
        return f"code {code}" + (f": {message}" if isinstance(message, str) else "")
    return None


def _require_object(response: object) -> dict[str, Any]:
    if not isinstance(response, dict):
        raise InvalidResponseError("response is not a JSON object")
    return response
