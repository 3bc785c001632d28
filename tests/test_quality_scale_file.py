"""quality_scale.yaml names every rule of the Quality Scale once, with a status.

hassfest validates this file only for core integrations, so its format is
checked here. Whether a rule marked done holds is for the behaviour tests
(tests/test_entities.py and the rest) and for review.
"""

from typing import Any

import yaml

from tests.translation_check import TRANSLATIONS

RULES = {
    "bronze": """action-setup appropriate-polling brands common-modules
        config-flow config-flow-test-coverage dependency-transparency docs-actions
        docs-conditions docs-high-level-description docs-installation-instructions
        docs-removal-instructions docs-triggers entity-event-setup entity-unique-id
        has-entity-name runtime-data test-before-configure test-before-setup
        unique-config-entry""",
    "silver": """action-exceptions config-entry-unloading
        docs-configuration-parameters docs-installation-parameters entity-unavailable
        integration-owner log-when-unavailable parallel-updates reauthentication-flow
        test-coverage""",
    "gold": """devices diagnostics discovery discovery-update-info docs-data-update
        docs-examples docs-known-limitations docs-supported-devices
        docs-supported-functions docs-troubleshooting docs-use-cases dynamic-devices
        entity-category entity-device-class entity-disabled-by-default
        entity-translations exception-translations icon-translations
        reconfiguration-flow repair-issues stale-devices""",
    "platinum": "async-dependency inject-websession strict-typing",
}


def test_every_rule_once_with_a_status() -> None:
    names = {tier: text.split() for tier, text in RULES.items()}
    assert {tier: len(rules) for tier, rules in names.items()} == {
        "bronze": 20,
        "silver": 10,
        "gold": 21,
        "platinum": 3,
    }
    path = TRANSLATIONS.parent / "quality_scale.yaml"
    rules: dict[str, Any] = yaml.safe_load(path.read_text())["rules"]
    assert sorted(rules) == sorted(rule for tier in names.values() for rule in tier)
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"todo", "done", "exempt"}, rule
        if status == "exempt":
            assert value.get("comment"), f"{rule} is exempt without a reason"
