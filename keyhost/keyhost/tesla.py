"""Tesla's hosts and rules, the integration's fleet/tesla package.

The wheel ships those files as keyhost._tesla (see pyproject.toml); the type
checker reads them where they live, under their one module name.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custom_components.tesla_powerwall3.fleet.tesla import (
        answers,
        domain,
        hosts,
        key,
    )
else:
    from ._tesla import answers, domain, hosts, key

__all__ = ["answers", "domain", "hosts", "key"]
