"""Generate, host, check and register the Tesla Fleet API public key."""

__version__ = "0.1.0"
