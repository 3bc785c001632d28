"""The domain a partner application registers, in the form Tesla accepts."""

import re

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


class InvalidDomainError(ValueError):
    """The text is not a domain name Tesla could register."""


def bare_domain(text: str) -> str:
    """Return the lowercase host of what was typed: no scheme, path or final dot."""
    value = text.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    return value.split("/", 1)[0].rstrip(".")


def validate_domain(text: str) -> str:
    """Return the bare domain of text; raise InvalidDomainError if it is none."""
    domain = bare_domain(text)
    if not _DOMAIN.match(domain):
        raise InvalidDomainError(f"{domain!r} is not a domain name")
    return domain
