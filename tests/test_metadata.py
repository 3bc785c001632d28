"""Checks hassfest would make, which cannot run here: manifest, strings, icons."""

import json
from pathlib import Path
import re

from homeassistant.components.sensor import SensorDeviceClass
import yaml

from custom_components.tesla_powerwall3.binary_sensor import (
    INFO_BINARY_SENSORS,
    LIVE_BINARY_SENSORS,
    WALL_CONNECTOR_BINARY_SENSORS,
)
from custom_components.tesla_powerwall3.sensor import (
    ACCOUNT_SENSORS,
    DAILY_SENSORS,
    INFO_SENSORS,
    LIVE_SENSORS,
    WALL_CONNECTOR_SENSORS,
)

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "tesla_powerwall3"
STRINGS = json.loads((INTEGRATION / "translations" / "en.json").read_text())
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
SOURCE = "\n".join(p.read_text() for p in INTEGRATION.rglob("*.py"))


def test_manifest_keys_and_order() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert manifest[key]
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["iot_class"] == "cloud_polling"
    assert "application_credentials" in manifest["dependencies"]
    used = set(re.findall(r"homeassistant\.components\.(\w+)", SOURCE))
    platforms = {"sensor", "binary_sensor", "diagnostics", "repairs"}
    declared = set(manifest["dependencies"]) | set(
        manifest.get("after_dependencies", [])
    )
    assert used - platforms <= declared


def test_every_abort_error_and_exception_is_translated() -> None:
    aborts = set(re.findall(r'async_abort\(\s*reason="(\w+)"', SOURCE))
    aborts |= set(re.findall(r'reason="(\w+)"', SOURCE))
    repair_aborts = set(STRINGS["issues"]["not_registered"]["fix_flow"]["abort"])
    assert aborts - repair_aborts <= set(STRINGS["config"]["abort"])
    errors = set(re.findall(r'RegistrationError\(\s*"(\w+)"', SOURCE))
    errors |= {"key_" + p for p in ("unreachable", "tls", "redirect", "not_found")}
    assert errors <= set(STRINGS["config"]["error"])
    assert errors <= set(STRINGS["issues"]["not_registered"]["fix_flow"]["error"])
    keys = set(re.findall(r'translation_key="(\w+)"', SOURCE))
    keys |= set(re.findall(r'_invalid\(\s*"(\w+)"', SOURCE))
    issues = {"not_registered", "budget_exhausted"}
    assert keys - issues <= set(STRINGS["exceptions"])
    assert issues <= set(STRINGS["issues"])
    placeholders = re.findall(r"\{(\w+)\}", json.dumps(STRINGS["exceptions"]))
    assert placeholders


def test_every_entity_has_a_name_and_an_icon() -> None:
    for platform, descriptions in (
        (
            "sensor",
            [
                *LIVE_SENSORS,
                *INFO_SENSORS,
                *WALL_CONNECTOR_SENSORS,
                *ACCOUNT_SENSORS,
                *DAILY_SENSORS,
            ],
        ),
        (
            "binary_sensor",
            [
                *LIVE_BINARY_SENSORS,
                *INFO_BINARY_SENSORS,
                *WALL_CONNECTOR_BINARY_SENSORS,
            ],
        ),
    ):
        for description in descriptions:
            assert description.key in STRINGS["entity"][platform], description.key
            # A battery's icon comes from its device class (it shows the level).
            if description.device_class != SensorDeviceClass.BATTERY:
                assert description.key in ICONS["entity"][platform], description.key
            options = getattr(description, "options", None) or []
            states = STRINGS["entity"][platform][description.key].get("state", {})
            assert set(options) <= set(states), description.key
    assert "history_import" in STRINGS["entity"]["sensor"]


def test_services_yaml_matches_translations_and_icons() -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    for service, spec in services.items():
        translated = STRINGS["services"][service]
        assert translated["name"]
        assert set(spec["fields"]) == set(translated["fields"])
        assert service in ICONS["services"]


def test_options_and_selectors_are_translated() -> None:
    steps = STRINGS["options"]["step"]
    for step in ("init", "budget", "intervals", "confirm"):
        assert step in steps
    for step in ("budget", "intervals", "init"):
        assert set(steps[step]["data"]) == set(steps[step]["data_description"])
    assert set(STRINGS["selector"]["mode"]["options"]) == {"budget", "intervals"}
