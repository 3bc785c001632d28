"""Identifiers in logs, names and error texts: only their last characters.

Site ids, gateway ids, DINs and serials identify a home. Diagnostics redacts
them whole; logs, coordinator names and error messages show this mask, the
same everywhere.
"""

from typing import Final

SHOWN: Final = 4
"""How many final characters of a long identifier are shown."""


def mask_id(value: object) -> str:
    """Return an identifier as "…" and its last four characters.

    A short one keeps less, so that at least half of it stays hidden.
    """
    text = str(value)
    keep = min(SHOWN, len(text) // 2)
    return "…" + text[len(text) - keep :]


def scrub(text: str, *identifiers: object) -> str:
    """Return text with each whole identifier in it replaced by its mask."""
    for identifier in identifiers:
        whole = str(identifier)
        if whole:
            text = text.replace(whole, mask_id(whole))
    return text
