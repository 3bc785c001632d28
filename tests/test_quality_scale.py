"""quality_scale.yaml: every rule, a valid status, and done means done."""

from pathlib import Path
import re
from typing import Any

import pytest
import yaml

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "tesla_powerwall3"

RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": [
        "async-dependency",
        "inject-websession",
        "strict-typing",
    ],
}


def read_files(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in root.glob("*.py")}


def problems(scale: dict[str, Any], root: Path) -> list[str]:
    """Return what is wrong with a quality_scale.yaml for the code under root."""
    found: list[str] = []
    rules = scale.get("rules", {})
    known = {rule for tier in RULES.values() for rule in tier}
    found += [f"unknown rule {rule}" for rule in set(rules) - known]
    found += [f"missing rule {rule}" for rule in known - set(rules)]
    statuses: dict[str, str] = {}
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value.get("status")
        statuses[rule] = status
        if status not in {"todo", "done", "exempt"}:
            found.append(f"{rule}: bad status {status!r}")
        if status == "exempt" and not (
            isinstance(value, dict) and value.get("comment")
        ):
            found.append(f"{rule}: exempt without a reason")
    code = read_files(root)
    everything = "\n".join(code.values())
    checks = {
        "has-entity-name": "_attr_has_entity_name = True" in code.get("entity.py", ""),
        "parallel-updates": all(
            "PARALLEL_UPDATES" in code.get(p, "")
            for p in ("sensor.py", "binary_sensor.py")
        ),
        "runtime-data": "entry.runtime_data = " in code.get("__init__.py", ""),
        "diagnostics": (root / "diagnostics.py").exists(),
        "brands": (root / "brand" / "icon.png").exists(),
        "reauthentication-flow": "async_step_reauth" in code.get("config_flow.py", ""),
        "reconfiguration-flow": "async_step_reconfigure"
        in code.get("config_flow.py", ""),
        "config-entry-unloading": "async def async_unload_entry"
        in code.get("__init__.py", ""),
        "action-setup": "async_setup_services(hass)" in code.get("__init__.py", ""),
        "entity-unique-id": "_attr_unique_id" in code.get("entity.py", ""),
        "unique-config-entry": "_abort_if_unique_id_configured" in everything,
        "icon-translations": (root / "icons.json").exists()
        and "_attr_icon" not in everything,
        "exception-translations": "translation_key=" in everything,
        "repair-issues": "async_create_issue" in everything,
        "stale-devices": "async_remove_config_entry_device"
        in code.get("__init__.py", ""),
        "strict-typing": re.search(r"type \w+ConfigEntry = ConfigEntry\[", everything)
        is not None,
        "inject-websession": "async_get_clientsession" in everything,
    }
    found += [
        f"{rule} is marked done but the code says otherwise"
        for rule, holds in checks.items()
        if statuses.get(rule) == "done" and not holds
    ]
    return found


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (INTEGRATION / "quality_scale.yaml").read_text()
    )
    return data


def test_quality_scale_holds() -> None:
    assert sum(len(tier) for tier in RULES.values()) == 54
    assert problems(load(), INTEGRATION) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda s, _r: s["rules"].pop("devices"), "missing rule devices"),
        (lambda s, _r: s["rules"].update({"made-up": "done"}), "unknown rule made-up"),
        (
            lambda s, _r: s["rules"].update({"discovery": "exempt"}),
            "discovery: exempt without a reason",
        ),
        (
            lambda s, _r: s["rules"].update({"devices": "maybe"}),
            "devices: bad status 'maybe'",
        ),
        (
            lambda _s, r: (r / "diagnostics.py").unlink(),
            "diagnostics is marked done but the code says otherwise",
        ),
        (
            lambda _s, r: (r / "sensor.py").write_text(
                (r / "sensor.py").read_text().replace("PARALLEL_UPDATES", "PARALLEL")
            ),
            "parallel-updates is marked done but the code says otherwise",
        ),
    ],
)
def test_a_broken_copy_is_caught(tmp_path: Path, breakage: Any, expected: str) -> None:
    """Break a copy on purpose: the check must notice."""
    copy = tmp_path / "tesla_powerwall3"
    copy.mkdir()
    for path in INTEGRATION.glob("*.py"):
        (copy / path.name).write_text(path.read_text())
    (copy / "brand").mkdir()
    (copy / "brand" / "icon.png").write_bytes(
        (INTEGRATION / "brand" / "icon.png").read_bytes()
    )
    (copy / "icons.json").write_text((INTEGRATION / "icons.json").read_text())
    scale = load()
    breakage(scale, copy)
    assert expected in problems(scale, copy)
