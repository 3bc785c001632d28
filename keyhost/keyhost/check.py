"""Fetch the published key the way Tesla does and say what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
import socket
import ssl

import aiohttp

from .keys import (
    WELL_KNOWN_PATH,
    KeyFormatError,
    load_p256_public_key,
    public_key_from_any,
    same_key,
)
from .tesla import domain as tesla_domain, key as tesla_key

KeyProblem = tesla_key.KeyProblem
_READ_LIMIT = tesla_key.READ_LIMIT
_HTTPS_PORT = 443
_TIMEOUT = aiohttp.ClientTimeout(total=20, sock_connect=10)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of a check: ok only when Tesla would accept the key."""

    ok: bool
    code: str
    message: str
    exit_code: int


# code -> exit code
EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "local_key": 2,
    "invalid_domain": 5,
    "dns": 10,
    "connection_refused": 11,
    "timeout": 12,
    "connection": 13,
    "tls": 14,
    "redirect": 20,
    "http_status": 21,
    "server_error": 22,
    "html": 30,
    "not_pem": 31,
    "not_ec_key": 32,
    "wrong_curve": 33,
    "too_large": 34,
    "key_mismatch": 35,
    "private_key": 40,
}


def _result(code: str, message: str) -> CheckResult:
    return CheckResult(code == "ok", code, message, EXIT_CODES[code])


def key_url(domain: str, port: int = _HTTPS_PORT) -> str:
    """Return the URL Tesla downloads the key from.

    domain may be a name, an IP address or host:port, never anything that
    would make the URL another one; raise InvalidDomainError for that.
    """
    host, typed = tesla_domain.url_host(domain)
    if typed is not None and port not in {_HTTPS_PORT, typed}:
        raise tesla_domain.InvalidDomainError(
            f"{domain!r} names port {typed}, the command line port {port}"
        )
    port = typed or port
    netloc = host if port == _HTTPS_PORT else f"{host}:{port}"
    return f"https://{netloc}{WELL_KNOWN_PATH}"


_CODES: dict[KeyProblem, str] = {
    KeyProblem.PRIVATE: "private_key",
    KeyProblem.HTML: "html",
    KeyProblem.TOO_LARGE: "too_large",
    KeyProblem.NOT_PEM: "not_pem",
    KeyProblem.NOT_PUBLIC_KEY: "not_pem",
    KeyProblem.NOT_EC: "not_ec_key",
    KeyProblem.WRONG_CURVE: "wrong_curve",
}
_MESSAGES: dict[KeyProblem, str] = {
    KeyProblem.PRIVATE: (
        "CRITICAL: a PRIVATE key is published. Remove it now, generate a new "
        "key pair (keyhost generate --force) and publish only the public key; "
        "treat the old key as compromised."
    ),
    KeyProblem.HTML: (
        "an HTML page is served instead of the PEM (Content-Type: {detail}); the "
        "file is missing and a fallback page answers (GitHub Pages without "
        ".nojekyll, an SPA rewrite, a login page)."
    ),
    KeyProblem.TOO_LARGE: (
        "the body is {detail}; a P-256 public key PEM is about 178. Tesla reports "
        "'too large': a certificate, an RSA key or a bundle is published instead "
        "of com.tesla.3p.public-key.pem."
    ),
    KeyProblem.NOT_PUBLIC_KEY: (
        "the PEM is not a public key ({detail}); publish the "
        "'-----BEGIN PUBLIC KEY-----' file."
    ),
    KeyProblem.NOT_EC: (
        "not an EC key ({detail}): Tesla needs an EC prime256v1 public key."
    ),
    KeyProblem.WRONG_CURVE: (
        "wrong curve {detail}; Tesla needs prime256v1 (secp256r1)."
    ),
}


def _message(problem: KeyProblem, detail: str) -> str:
    if problem is not KeyProblem.NOT_PEM:
        return _MESSAGES[problem].format(detail=detail)
    if detail:
        return f"the PEM does not parse: {detail}."
    return "the body is not a PEM file (no -----BEGIN line)."


def validate_public_pem(body: bytes, content_type: str | None) -> CheckResult:
    """Check a downloaded body is a P-256 public key PEM Tesla accepts."""
    check = tesla_key.validate_key_pem(body, content_type)
    if check.problem is None:
        return _result("ok", "a valid P-256 public key is served.")
    return _result(_CODES[check.problem], _message(check.problem, check.detail))


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    """Read at most _READ_LIMIT bytes of the body."""
    chunks: list[bytes] = []
    size = 0
    while size < _READ_LIMIT:
        chunk = await response.content.read(_READ_LIMIT - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


_CLOUDFLARE: dict[int, str] = {
    520: "the origin server sent an empty, unknown or unexpected answer",
    521: "the origin web server refused the connection",
    522: "the connection to the origin server timed out",
    523: "the origin server is unreachable",
    524: "the origin server did not answer in time",
    525: "the TLS handshake between Cloudflare and the origin failed",
    526: "the origin's certificate is not valid",
}
_SERVER_ERROR = 500
_NOT_SERVED = 600


def _status_result(status: int, url: str, location: str | None) -> CheckResult:
    """Explain any answer but 200: a redirect, a client or a server error."""
    if HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST:
        return _result(
            "redirect",
            f"HTTP {status} redirect to {(location or '(no Location)')[:200]}; "
            "Tesla does not follow redirects. Serve the file at this exact URL "
            "with 200.",
        )
    if _SERVER_ERROR <= status < _NOT_SERVED:
        cause = _CLOUDFLARE.get(status)
        hint = (
            f"Cloudflare: {cause}. Check that the server behind Cloudflare runs "
            "and answers HTTPS"
            if cause
            else "the server, or a proxy or CDN in front of it, failed"
        )
        return _result(
            "server_error",
            f"HTTP {status} for {url}: {hint}. Tesla needs 200 with the key; "
            "try again once the server answers.",
        )
    hint = ""
    if status == HTTPStatus.NOT_FOUND:
        hint = " (the file is not there)"
    elif status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
        hint = " (auth, WAF, bot protection or geo-blocking in the way)"
    elif status == HTTPStatus.TOO_MANY_REQUESTS:
        hint = " (rate limiting or bot protection in the way)"
    return _result(
        "http_status", f"HTTP {status} for {url}{hint}; Tesla needs 200 with the key."
    )


def _connector_error(err: aiohttp.ClientConnectorError, url: str) -> CheckResult:
    os_error = err.os_error
    if isinstance(os_error, socket.gaierror) or type(err).__name__ == (
        "ClientConnectorDNSError"
    ):
        return _result(
            "dns",
            f"DNS: {err.host} does not resolve ({os_error}). Check the A/AAAA or "
            "CNAME record.",
        )
    if isinstance(os_error, ConnectionRefusedError):
        return _result(
            "connection_refused",
            f"connection refused by {err.host}:{err.port}; nothing listens on "
            "HTTPS there (firewall, port forward, server down).",
        )
    if isinstance(os_error, TimeoutError):
        return _result("timeout", f"connecting to {url} timed out.")
    return _result("connection", f"cannot connect to {url}: {os_error}.")


async def check_domain(
    domain: str,
    *,
    port: int = 443,
    local_pem: bytes | None = None,
    ssl_context: ssl.SSLContext | None = None,
    client_timeout: aiohttp.ClientTimeout = _TIMEOUT,
) -> CheckResult:
    """Download the key like Tesla (HTTPS, verified, no redirects) and check it."""
    local_key = None
    if local_pem is not None:
        try:
            local_key = public_key_from_any(local_pem)
        except KeyFormatError as err:
            return _result("local_key", f"the local key is unusable: {err}")
    try:
        url = key_url(domain, port)
    except tesla_domain.InvalidDomainError as err:
        return _result(
            "invalid_domain",
            f"{err}; give the domain that serves the key, such as keys.example.com.",
        )
    ssl_arg: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
    try:
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url, allow_redirects=False, ssl=ssl_arg) as response,
        ):
            status = response.status
            location = response.headers.get("Location")
            content_type = response.headers.get("Content-Type")
            body = await _read_limited(response)
    except aiohttp.ClientConnectorCertificateError as err:
        return _result(
            "tls",
            f"TLS certificate rejected for {url}: {err.certificate_error}. Tesla "
            "needs a publicly trusted certificate valid for this exact name.",
        )
    except (aiohttp.ClientSSLError, ssl.SSLError) as err:
        return _result("tls", f"TLS handshake with {url} failed: {err}.")
    except aiohttp.ClientConnectorError as err:
        return _connector_error(err, url)
    except TimeoutError:
        return _result("timeout", f"{url} did not answer in time.")
    except aiohttp.ClientError as err:
        return _result("connection", f"fetching {url} failed: {err}.")

    if status != HTTPStatus.OK:
        return _status_result(status, url, location)
    result = validate_public_pem(body, content_type)
    if not result.ok or local_key is None:
        return result
    if not same_key(load_p256_public_key(body), local_key):
        return _result(
            "key_mismatch",
            "the published key differs from the local key; publish the public "
            "key of the private key you use (or register the new one).",
        )
    return _result(
        "ok", "a valid P-256 public key is served and matches the local key."
    )
