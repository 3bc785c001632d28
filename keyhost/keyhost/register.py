"""Register the domain with Tesla (partner token + partner_accounts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
import json
import re
import sys
from typing import Any

import aiohttp

from .keys import KeyFormatError, public_key_from_any, uncompressed_point_hex
from .tesla import answers, domain as tesla_domain, hosts

TOKEN_URL = hosts.TOKEN_URL
FLEET_URLS: dict[str, str] = {
    region: hosts.REGION_BASE_URLS[region] for region in ("na", "eu")
}
"""The regions keyhost registers in: North America and Europe."""
_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=15)

EXIT_OK = 0
EXIT_INVALID_CLIENT = 3
EXIT_KEY_DOWNLOAD = 4
EXIT_INVALID_DOMAIN = 5
EXIT_DOMAIN_TAKEN = 6
EXIT_NETWORK = 7
EXIT_HTTP = 8
EXIT_KEY_MISMATCH = 9

Problem = answers.RegistrationProblem


class RegisterError(Exception):
    """A failed step, with its exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        """Store the message and the exit code."""
        super().__init__(message)
        self.exit_code = exit_code


_MAX_ANSWER_BYTES = 64 * 1024
"""Tesla's answers are a few hundred bytes; a partner token about 850."""
_SHOWN_CHARS = 200
"""How much of an answer a message shows."""
_JWT = re.compile(r"eyJ[\w-]{8,}(?:\.[\w-]*){0,2}")
"""What any token Tesla sends looks like (a JWT); never printed."""


def _stderr(text: str) -> None:
    sys.stderr.write(f"{text}\n")


@dataclass
class _Output:
    """Prints with every secret redacted, and anything shaped like a token."""

    secrets: list[str] = field(default_factory=list)
    out: Callable[[str], None] = print
    err: Callable[[str], None] = _stderr

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return _JWT.sub("***", text)

    def info(self, text: str) -> None:
        self.out(self.redact(text))

    def error(self, text: str) -> None:
        self.err(self.redact(text))


@dataclass(frozen=True, slots=True)
class _Answer:
    """A response read whole (up to _MAX_ANSWER_BYTES) and parsed."""

    status: int
    data: dict[str, Any]
    text: str
    location: str | None

    @property
    def redirected(self) -> bool:
        return HTTPStatus.MULTIPLE_CHOICES <= self.status < HTTPStatus.BAD_REQUEST

    def detail(self, *, show_body: bool = True) -> str:
        """Tesla's error code and description, else a short cut of the body.

        show_body=False for the token endpoint: its body may hold a token.
        """
        parts = [
            str(self.data[k])
            for k in ("error", "error_description", "message")
            if self.data.get(k)
        ]
        if parts:
            text = ": ".join(parts)
        elif self.redirected:
            text = f"redirect to {self.location or '(no Location)'}, not followed"
        elif not self.text.strip():
            text = "(empty body)"
        elif show_body:
            text = self.text.strip()
        else:
            text = "(no error code in the answer)"
        return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}…"


async def _read(response: aiohttp.ClientResponse, what: str) -> _Answer:
    """Read and parse the whole body, refusing one over _MAX_ANSWER_BYTES."""
    too_large = RegisterError(
        f"{what}: the answer (HTTP {response.status}) is larger than "
        f"{_MAX_ANSWER_BYTES // 1024} KiB and was not read. Tesla's answers are "
        "a few hundred bytes: something else answers at this address.",
        EXIT_HTTP,
    )
    if (response.content_length or 0) > _MAX_ANSWER_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := await response.content.read(_MAX_ANSWER_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > _MAX_ANSWER_BYTES:
            raise too_large
    text = b"".join(chunks).decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    return _Answer(
        status=response.status,
        data=data if isinstance(data, dict) else {},
        text=text,
        location=response.headers.get("Location"),
    )


def _not_followed(what: str, answer: _Answer, carrying: str) -> RegisterError:
    """Refuse a redirect: following it would send a secret to another address."""
    location = (answer.location or "(no Location)")[:_SHOWN_CHARS]
    return RegisterError(
        f"{what} answered HTTP {answer.status} redirect to {location}; not "
        f"followed: it would send the {carrying} to another address.",
        EXIT_HTTP,
    )


async def _partner_token(
    session: aiohttp.ClientSession,
    output: _Output,
    *,
    token_url: str,
    client_id: str,
    client_secret: str,
    audience: str,
) -> str:
    """Get a partner token (client_credentials) for one region."""
    form = answers.partner_token_form(
        client_id=client_id, client_secret=client_secret, audience=audience
    )
    what = "the partner token request"
    async with session.post(token_url, data=form, allow_redirects=False) as response:
        answer = await _read(response, what)
    token = answer.data.get("access_token")
    if isinstance(token, str):
        output.secrets.append(token)
    if answer.redirected:
        raise _not_followed(what, answer, "client secret")
    detail = answer.detail(show_body=False)
    error = answer.data.get("error")
    if answer.status >= HTTPStatus.BAD_REQUEST and answers.is_invalid_client(
        answer.status, str(error) if error else None
    ):
        raise RegisterError(
            f"Tesla rejected the client id or secret ({detail}). Copy both "
            "again from developer.tesla.com (Credentials & APIs).",
            EXIT_INVALID_CLIENT,
        )
    if answer.status != HTTPStatus.OK or not isinstance(token, str) or not token:
        if answer.status == HTTPStatus.OK:
            detail = "no access_token in the answer"
        raise RegisterError(
            f"partner token request failed: HTTP {answer.status} ({detail}).",
            EXIT_HTTP,
        )
    return token


def _register_error(status: int, domain: str, detail: str) -> RegisterError:
    """Explain a failed POST /api/1/partner_accounts."""
    problem = answers.registration_problem(status, detail)
    if problem is Problem.KEY_DOWNLOAD_FAILED:
        return RegisterError(
            f"Tesla could not download the public key ({detail}). Run "
            f"'keyhost check {domain}' and fix what it reports.",
            EXIT_KEY_DOWNLOAD,
        )
    if problem is Problem.DOMAIN_TAKEN:
        return RegisterError(
            f"{domain} or this public key is already registered to another Tesla "
            f"app ({detail}). Each app needs its own domain and key pair.",
            EXIT_DOMAIN_TAKEN,
        )
    if problem is Problem.DOMAIN_NOT_ALLOWED:
        return RegisterError(
            f"Tesla refused the domain {domain} ({detail}). It must be lowercase, "
            "without https://, and match the root domain of an allowed origin of "
            "the app on developer.tesla.com.",
            EXIT_INVALID_DOMAIN,
        )
    if problem is Problem.INVALID_CLIENT:
        return RegisterError(
            f"the partner token was refused (HTTP {status}: {detail}).",
            EXIT_INVALID_CLIENT,
        )
    return RegisterError(f"registration failed: HTTP {status} ({detail}).", EXIT_HTTP)


async def _register_region(
    session: aiohttp.ClientSession,
    output: _Output,
    *,
    region: str,
    base_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    domain: str,
    local_hex: str | None,
) -> None:
    """Token, register and confirm in one region."""
    token = await _partner_token(
        session,
        output,
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        audience=base_url,
    )
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base_url}/api/1/partner_accounts"
    async with session.post(
        url, json={"domain": domain}, headers=headers, allow_redirects=False
    ) as response:
        answer = await _read(response, "partner_accounts")
    if answer.redirected:
        raise _not_followed("partner_accounts", answer, "partner token")
    if answer.status != HTTPStatus.OK:
        raise _register_error(answer.status, domain, answer.detail())
    output.info(f"[{region}] registered {domain}")
    async with session.get(
        f"{url}/public_key",
        params={"domain": domain},
        headers=headers,
        allow_redirects=False,
    ) as response:
        answer = await _read(response, "partner_accounts/public_key")
    inner = answer.data.get("response", answer.data)
    key = inner.get("public_key") if isinstance(inner, dict) else None
    if answer.status != HTTPStatus.OK or not isinstance(key, str):
        output.info(
            f"[{region}] could not confirm the key (HTTP {answer.status}: "
            f"{answer.detail()}); this endpoint needs a vehicle scope "
            "on the app, the registration itself succeeded."
        )
        return
    if local_hex is not None and key.lower() != local_hex:
        raise RegisterError(
            f"[{region}] Tesla holds a different public key ({key[:18]}…) than "
            "the local one.",
            EXIT_KEY_MISMATCH,
        )
    output.info(f"[{region}] confirmed: Tesla holds public key {key[:18]}…")


async def register_domain(
    *,
    client_id: str,
    client_secret: str,
    domain: str,
    regions: Sequence[str] = ("na", "eu"),
    token_url: str = TOKEN_URL,
    fleet_urls: dict[str, str] | None = None,
    local_pem: bytes | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Register domain in each region; return the exit code."""
    output = _Output(secrets=[client_secret], out=out)
    urls = {**FLEET_URLS, **(fleet_urls or {})}
    try:
        normalized = tesla_domain.validate_domain(domain)
    except tesla_domain.InvalidDomainError as err:
        output.error(f"error: {err}; give the domain that hosts the key.")
        return EXIT_INVALID_DOMAIN
    if normalized != domain:
        output.info(f"using domain {normalized!r} (lowercase, no scheme or path)")
    local_hex = None
    if local_pem is not None:
        try:
            local_hex = uncompressed_point_hex(public_key_from_any(local_pem))
        except KeyFormatError as err:
            output.error(f"error: the local key is unusable: {err}")
            return 2
    current = "-"
    try:
        async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
            for region in dict.fromkeys(regions):
                current = region
                if region not in urls:
                    output.error(f"error: unknown region {region!r}")
                    return 2
                await _register_region(
                    session,
                    output,
                    region=region,
                    base_url=urls[region].rstrip("/"),
                    token_url=token_url,
                    client_id=client_id,
                    client_secret=client_secret,
                    domain=normalized,
                    local_hex=local_hex,
                )
    except RegisterError as err:
        output.error(f"error [{current}]: {err}")
        return err.exit_code
    except (aiohttp.ClientError, TimeoutError) as err:
        output.error(
            f"error [{current}]: network problem talking to Tesla "
            f"({type(err).__name__}: {err})."
        )
        return EXIT_NETWORK
    output.info(f"done: {normalized} is registered in {', '.join(regions)}")
    return EXIT_OK
