"""The Fleet API scopes and timeout of the client."""

from typing import Final

# Read-only energy access; a refresh token needs openid and offline_access.
ENERGY_SCOPES: Final = ("openid", "offline_access", "energy_device_data")
CONTROL_SCOPE: Final = "energy_cmds"
"""The scope a token needs to change a site's settings."""

REQUEST_TIMEOUT_SECONDS: Final = 30.0
