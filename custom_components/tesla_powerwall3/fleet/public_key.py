"""Downloading the public key an app hosts, the way Tesla fetches it.

Tesla downloads it over HTTPS with a trusted certificate and follows no
redirect; tesla.key says which bodies it accepts.
"""

from dataclasses import dataclass
from enum import StrEnum
import ssl
from typing import Final

import aiohttp

from .tesla.key import READ_LIMIT, KeyProblem, validate_key_pem

FETCH_TIMEOUT: Final = aiohttp.ClientTimeout(total=15)


class HostedKeyProblem(StrEnum):
    """Why Tesla would refuse the hosted key (each has its own translation)."""

    UNREACHABLE = "key_unreachable"
    TLS = "key_tls"
    REDIRECT = "key_redirect"
    NOT_FOUND = "key_not_found"
    HTML = "key_html"
    TOO_LARGE = "key_too_large"
    PRIVATE = "key_private"
    NOT_EC = "key_not_ec"
    WRONG_CURVE = "key_wrong_curve"


_BODY_PROBLEMS: Final = {
    KeyProblem.PRIVATE: HostedKeyProblem.PRIVATE,
    KeyProblem.HTML: HostedKeyProblem.HTML,
    KeyProblem.TOO_LARGE: HostedKeyProblem.TOO_LARGE,
    KeyProblem.NOT_PEM: HostedKeyProblem.NOT_EC,
    KeyProblem.NOT_PUBLIC_KEY: HostedKeyProblem.NOT_EC,
    KeyProblem.NOT_EC: HostedKeyProblem.NOT_EC,
    KeyProblem.WRONG_CURVE: HostedKeyProblem.WRONG_CURVE,
}


@dataclass(frozen=True, slots=True)
class HostedKey:
    """The outcome of a download: the key's uncompressed point, or the problem."""

    point: str | None = None
    """Hex of the uncompressed P-256 point, as Tesla's partner API reports it."""
    problem: HostedKeyProblem | None = None
    detail: str = ""


async def check_hosted_key(session: aiohttp.ClientSession, url: str) -> HostedKey:
    """Download the key as Tesla would and validate it."""
    try:
        async with session.get(
            url, allow_redirects=False, timeout=FETCH_TIMEOUT
        ) as response:
            if 300 <= response.status < 400:  # noqa: PLR2004
                return HostedKey(
                    problem=HostedKeyProblem.REDIRECT,
                    detail=response.headers.get("Location", str(response.status)),
                )
            if response.status != 200:  # noqa: PLR2004
                return HostedKey(
                    problem=HostedKeyProblem.NOT_FOUND,
                    detail=f"HTTP {response.status}",
                )
            body = await _read_limited(response.content)
            check = validate_key_pem(body, response.headers.get("Content-Type"))
    except (aiohttp.ClientSSLError, ssl.SSLError) as err:
        return HostedKey(problem=HostedKeyProblem.TLS, detail=str(err)[:200])
    except (aiohttp.ClientError, TimeoutError) as err:
        return HostedKey(
            problem=HostedKeyProblem.UNREACHABLE, detail=str(err)[:200] or "timeout"
        )
    if check.problem is not None:
        return HostedKey(problem=_BODY_PROBLEMS[check.problem], detail=check.detail)
    return HostedKey(point=check.point)


async def _read_limited(content: aiohttp.StreamReader) -> bytes:
    """Read the body up to READ_LIMIT bytes, however it is chunked."""
    chunks: list[bytes] = []
    size = 0
    while size < READ_LIMIT and (chunk := await content.read(READ_LIMIT - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
