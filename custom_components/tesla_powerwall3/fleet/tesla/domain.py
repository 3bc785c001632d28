"""The domain a partner application registers, in the form Tesla accepts.

One rule for the config flow and keyhost: validate_domain. keyhost check
also takes an IP address, a single-label name or a port (url_host), but
never anything that would make it fetch another URL.
"""

import ipaddress
import re

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[a-z]{{2,63}}")
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_PORT = re.compile(r"[0-9]{1,5}")
_MAX_LENGTH = 253
_MAX_PORT = 65535


class InvalidDomainError(ValueError):
    """The text is not a domain name Tesla could register."""


def bare_domain(text: str) -> str:
    """Return the lowercase host of what was typed: no scheme, path or final dot."""
    value = text.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    return value.split("/", 1)[0].rstrip(".")


def _ascii(text: str) -> str:
    """Refuse text that is not ASCII before lowercasing can make it so."""
    if not text.isascii():
        raise InvalidDomainError(
            f"{text.strip()!r} is not a domain name (type an international "
            "name in its xn-- form)"
        )
    return text


def validate_domain(text: str) -> str:
    """Return the bare domain of text; raise InvalidDomainError if it is none.

    A scheme, a path and a final dot are dropped; anything else that is not
    a DNS name of two labels or more (a port, a user, a query, a fragment,
    a space, a control character, an IP address) is refused.
    """
    domain = bare_domain(_ascii(text))
    if len(domain) > _MAX_LENGTH or not _DOMAIN.fullmatch(domain):
        raise InvalidDomainError(f"{domain!r} is not a domain name")
    return domain


def url_host(text: str) -> tuple[str, int | None]:
    """Return (host, port or None) of what was typed, ready for a URL.

    The host is a DNS name (a single label such as localhost too) or an IP
    address, IPv6 in brackets. Anything that would change the URL (a user,
    a query, a fragment, an escape) raises InvalidDomainError.
    """
    value = bare_domain(_ascii(text))
    host, port = value, None
    if value.startswith("[") or value.count(":") == 1:
        head, colon, tail = value.rpartition(":")
        if colon and not head.endswith(":") and not tail.endswith("]"):
            if not _PORT.fullmatch(tail) or not 0 < int(tail) <= _MAX_PORT:
                raise InvalidDomainError(f"{value!r}: not a port number")
            host, port = head, int(tail)
    return _host(host, value), port


def _host(host: str, value: str) -> str:
    """Return host as a URL host: a DNS name, an IPv4 or a bracketed IPv6."""
    bracketed = host.startswith("[") and host.endswith("]")
    try:
        address = ipaddress.ip_address(host[1:-1] if bracketed else host)
    except ValueError:
        if bracketed or len(host) > _MAX_LENGTH or not _HOST_NAME.fullmatch(host):
            raise InvalidDomainError(f"{value!r} is not a host name") from None
        return host
    if not isinstance(address, ipaddress.IPv6Address):
        if bracketed:
            raise InvalidDomainError(f"{value!r} is not a host name")
        return str(address)
    if address.scope_id:
        raise InvalidDomainError(f"{value!r}: a zone index is not part of a URL")
    return f"[{address.compressed}]"
