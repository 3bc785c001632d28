"""Finding the account's region and its working energy sites."""

from dataclasses import dataclass
import logging

from .client import FleetClient
from .errors import NotFoundError, ServerError
from .models import EnergySiteProduct, SiteInfo
from .redact import mask_id

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found: working sites, and the ones it passed over."""

    sites: list[DiscoveredSite]
    products: list[EnergySiteProduct]
    skipped: frozenset[int]


@dataclass(frozen=True, slots=True)
class DiscoveredSite:
    """An energy site whose site_info answers, with that first answer."""

    product: EnergySiteProduct
    info: SiteInfo

    @property
    def site_id(self) -> int:
        """Return Tesla's energy_site_id."""
        return self.product.energy_site_id


async def discover_energy_sites(client: FleetClient) -> Discovery:
    """Return the sites that have devices and whose site_info answers.

    Replaced or retired sites stay in /products but answer site_info with 404
    or 500 "upstream internal error"; they are skipped. Costs one products
    request plus one site_info request per candidate site; the client follows
    a 421 to the account's region.
    """
    products = await client.products()
    sites: list[DiscoveredSite] = []
    skipped: set[int] = set()
    for product in products:
        if (found := await probe_site(client, product)) is None:
            skipped.add(product.energy_site_id)
        else:
            sites.append(found)
    return Discovery(sites=sites, products=products, skipped=frozenset(skipped))


async def probe_site(
    client: FleetClient, product: EnergySiteProduct
) -> DiscoveredSite | None:
    """Return the site with its site_info, or None for a site not worth showing."""
    if not product.has_energy_devices:
        _LOGGER.debug("Skipping site without devices")
        return None
    try:
        info = await client.site_info(product.energy_site_id)
    except (NotFoundError, ServerError) as err:
        _LOGGER.warning(
            "Skipping energy site %s (%s): Tesla no longer serves it (%s)",
            product.site_name or "unnamed",
            mask_id(product.energy_site_id),
            err,
        )
        return None
    return DiscoveredSite(product=product, info=info)
