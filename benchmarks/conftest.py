"""Benchmarks reuse the test fixtures."""

from tests.conftest import (  # noqa: F401
    aioresponses_mock,
    auto_enable_custom_integrations,
    config_entry,
    setup_credentials,
)
