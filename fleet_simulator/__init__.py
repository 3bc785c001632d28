"""A local stand-in for Tesla's OAuth server and Fleet API energy endpoints.

scripts/develop runs it so that Home Assistant can be tried without a Tesla
account; tests use it as a real HTTP peer. The data is deterministic: a solar
day curve, a home load profile, a car charging at night and a battery whose
charge follows the flows.
"""

from .app import create_app
from .state import SimulatorConfig
from .tokens import decode_claims

__all__ = ["SimulatorConfig", "create_app", "decode_claims"]
