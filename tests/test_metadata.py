"""Checks hassfest would make, which cannot run here: manifest, services, hygiene.

That what the code uses is translated and has an icon is a quality-scale rule
(config-flow, entity-translations, exception-translations, repair-issues,
icon-translations) and is checked in tests/test_quality_scale.py. Here: the
manifest, services.yaml against the schemas the code registers, and that the
translations and icons hold nothing that nothing uses.
"""

import ast
from collections.abc import Callable
import json
from pathlib import Path
import re
from typing import Any, NamedTuple

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.helpers import config_validation as cv, service as ha_service
import probatio as vol
import pytest

from tests.quality_checks import (
    Package,
    copy_repository,
    leaves,
    loaded,
    lookup,
    placeholders_in,
    select_options,
    without_lines,
)

# --- manifest.json -------------------------------------------------------------


def manifest_problems(pkg: Package) -> list[str]:
    """Keys, their order and values; every integration the code imports declared.

    Importing a component the integration has a platform file for (sensor.py,
    diagnostics.py...) needs no declaration; any other, like recorder, does.
    """
    manifest = pkg.manifest
    keys = list(manifest)
    found: list[str] = []
    if keys[:2] != ["domain", "name"]:
        found.append(f"manifest.json starts with {keys[:2]}, not domain and name")
    if keys[2:] != sorted(keys[2:]):
        found.append("manifest.json keys after domain and name are not sorted")
    found += [
        f"manifest.json has no {key}"
        for key in (
            "codeowners",
            "documentation",
            "issue_tracker",
            "version",
            "iot_class",
            "integration_type",
        )
        if not manifest.get(key)
    ]
    if manifest.get("domain") != pkg.root.name:
        found.append(f"manifest.json domain is not {pkg.root.name}")
    if manifest.get("iot_class") != "cloud_polling":
        found.append("manifest.json iot_class is not cloud_polling")
    declared = {
        *manifest.get("dependencies", []),
        *manifest.get("after_dependencies", []),
    }
    if (pkg.root / "application_credentials.py").exists() and (
        "application_credentials" not in manifest.get("dependencies", [])
    ):
        found.append("manifest.json does not depend on application_credentials")
    for short, tree in pkg.trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                parts = node.module.split(".")
                if parts[:2] == ["homeassistant", "components"] and len(parts) > 2:
                    component = parts[2]
                    if component not in {*pkg.modules, *declared}:
                        found.append(
                            f"{pkg.where(short, node)}: imports {component}, which "
                            "the manifest does not declare"
                        )
    return found


def test_manifest_keys_and_order() -> None:
    with loaded() as pkg:
        assert manifest_problems(pkg) == []


# --- services.yaml against the registered schemas ------------------------------

SELECTORS: dict[Callable[..., Any], set[str]] = {
    cv.string: {
        "text",
        "device",
        "config_entry",
        "entity",
        "area",
        "select",
        "template",
    },
    cv.boolean: {"boolean"},
    cv.date: {"date"},
    cv.datetime: {"datetime"},
    cv.time: {"time"},
    cv.positive_int: {"number"},
    cv.positive_float: {"number"},
    cv.entity_id: {"entity"},
    cv.entity_ids: {"entity"},
    cv.time_period: {"duration"},
}
"""Which selectors can produce what each validator accepts."""


def _default(marker: object) -> object:
    default = getattr(marker, "default", vol.UNDEFINED)
    if default is vol.UNDEFINED:
        return vol.UNDEFINED
    return default() if callable(default) else default


def field_problems(
    pkg: Package, path: str, marker: object, validator: Any, field: dict[str, Any]
) -> list[str]:
    """A field of services.yaml agrees with its key and validator in the schema."""
    found: list[str] = []
    required = isinstance(marker, vol.Required)
    if bool(field.get("required", False)) != required:
        found.append(
            f"services.yaml: {path} is {'optional' if required else 'required'}, "
            f"the schema says {'required' if required else 'optional'}"
        )
    default = _default(marker)
    if ("default" in field or default is not vol.UNDEFINED) and field.get(
        "default", vol.UNDEFINED
    ) != default:
        found.append(
            f"services.yaml: {path} default is {field.get('default')!r}, "
            f"the schema's is {default!r}"
        )
    selector: dict[str, Any] = field.get("selector") or {}
    kinds = SELECTORS.get(validator)
    if kinds is None:
        found.append(
            f"services.yaml: {path}: no rule for the validator {validator!r} "
            "(add it to SELECTORS)"
        )
    elif not selector or set(selector) - kinds:
        found.append(
            f"services.yaml: {path} has the selector {sorted(selector)}, which "
            f"does not fit {getattr(validator, '__name__', validator)}"
        )
    found += [
        f"services.yaml: {path} selects another integration"
        for options in selector.values()
        if isinstance(options, dict)
        and options.get("integration", pkg.domain) != pkg.domain
    ]
    if "example" in field:
        try:
            validator(field["example"])
        except vol.Invalid, ValueError, TypeError:
            found.append(
                f"services.yaml: {path} example {field['example']!r} does not validate"
            )
    return found


def service_problems(pkg: Package) -> list[str]:
    """services.yaml, the schemas and the translations describe the same services."""
    facts = pkg.facts
    found = list(facts.problems)
    described = pkg.services_yaml
    try:
        ha_service._SERVICES_SCHEMA(described)
    except vol.Invalid as err:
        found.append(f"services.yaml is invalid: {err}")
    registered = {service.name: service for service in facts.services}
    found += [
        f"services.yaml describes {name}, which the code does not register"
        for name in sorted(set(described) - set(registered))
    ]
    for name, service in sorted(registered.items()):
        spec = described.get(name)
        if not isinstance(spec, dict):
            found.append(f"services.yaml does not describe {name}")
            continue
        fields: dict[str, Any] = spec.get("fields") or {}
        schema = {
            str(marker): (marker, validator)
            for marker, validator in service.schema.schema.items()
        }
        found += [
            f"services.yaml: {name}.{key} is not in the schema"
            for key in sorted(set(fields) - set(schema))
        ]
        for key, (marker, validator) in schema.items():
            field = fields.get(key)
            if field is None:
                found.append(f"services.yaml: {name}.{key} is missing")
            else:
                found += field_problems(pkg, f"{name}.{key}", marker, validator, field)
        base = f"services.{name}"
        found += [
            f"{base}.{part} is missing"
            for part in ("name", "description")
            if not lookup(pkg.strings, f"{base}.{part}")
        ]
        found += [
            f"{base}.fields.{key}.{part} is missing"
            for key in schema
            for part in ("name", "description")
            if not lookup(pkg.strings, f"{base}.fields.{key}.{part}")
        ]
        found += [
            f"{base}.fields.{key} is not used"
            for key in sorted(
                set(lookup(pkg.strings, f"{base}.fields") or {}) - set(schema)
            )
        ]
    found += [
        f"services.{name} is not used"
        for name in sorted(set(pkg.strings.get("services", {})) - set(registered))
    ]
    return found


def test_services_yaml_matches_the_schemas() -> None:
    with loaded() as pkg:
        assert service_problems(pkg) == []


# --- Nothing in the translations or icons that nothing uses ----------------------

SECTIONS = {
    "application_credentials",
    "config",
    "entity",
    "exceptions",
    "issues",
    "options",
    "selector",
    "services",
}


def used_translations(pkg: Package) -> set[str]:
    """The dotted paths of every translation the code can show."""
    facts = pkg.facts
    used: set[str] = set()
    for flow in facts.flows:
        for step, form in flow.forms.items():
            base = f"{flow.prefix}.step.{step}"
            used |= {f"{base}.title", f"{base}.description"}
            for name in form.fields or []:
                used |= {f"{base}.data.{name}", f"{base}.data_description.{name}"}
            used |= {f"{base}.menu_options.{option}" for option in form.menu_options}
            used |= {f"{flow.prefix}.error.{error}" for error in form.errors or ()}
            used |= {
                f"selector.{key}.options.{value}"
                for _, key, value in select_options(form)
            }
        used |= {f"{flow.prefix}.abort.{reason}" for reason in flow.aborts}
        if flow.creates_entries and flow.prefix == "config":
            used.add("config.create_entry.default")
    for entity in facts.entities:
        base = f"entity.{entity.platform}.{entity.key}"
        used.add(f"{base}.name")
        used |= {f"{base}.state.{option}" for option in entity.options or ()}
    used |= {f"exceptions.{e.key}.message" for e in facts.exceptions}
    for issue in facts.issues:
        used |= {f"issues.{issue.key}.title", f"issues.{issue.key}.description"}
    for service in facts.services:
        base = f"services.{service.name}"
        used |= {f"{base}.name", f"{base}.description"}
        for key in map(str, service.schema.schema):
            used |= {f"{base}.fields.{key}.name", f"{base}.fields.{key}.description"}
    if pkg.module("application_credentials") is not None:
        used.add("application_credentials.description")
    return used


def stale_translations(pkg: Package) -> list[str]:
    found = [
        f"{section} is not a translation section"
        for section in sorted(set(pkg.strings) - SECTIONS)
    ]
    used = used_translations(pkg)
    central = {
        f"{flow.prefix}.abort.{reason}"
        for flow in pkg.facts.flows
        for reason in flow.central_aborts
    }
    for path in leaves(pkg.strings):
        if path in central:
            found.append(
                f"{path} is not used: Home Assistant translates it itself "
                "(translation_domain homeassistant)"
            )
        elif path not in used:
            found.append(f"{path} is not used")
    return found


def credentials_dialog_problems(pkg: Package) -> list[str]:
    """The credentials dialog's placeholders are what the platform returns."""
    text = lookup(pkg.strings, "application_credentials.description")
    platform = pkg.module("application_credentials")
    function = getattr(platform, "async_get_description_placeholders", None)
    scope = pkg.reader.scope_of(function) if function is not None else None
    passed: set[str] = set()
    if scope is not None:
        for value in pkg.reader.returns(scope):
            passed |= pkg.reader.keys(value, scope) or set()
    return [
        f"application_credentials.description uses {{{name}}}, which "
        "async_get_description_placeholders does not return"
        for name in sorted(placeholders_in(text) - passed)
    ]


ICON = re.compile(r"^mdi:[a-z0-9]+(-[a-z0-9]+)*$")


def icon_problems(pkg: Package) -> list[str]:
    """Every icon is an mdi: name, of an entity, state or service that exists."""
    found = [
        f"icons.json: {path} is not an mdi: icon"
        for path in leaves(pkg.icons)
        if not ICON.match(str(lookup(pkg.icons, path)))
    ]
    found += [
        f"icons.json: {section} is not an icon section"
        for section in sorted(set(pkg.icons) - {"entity", "services"})
    ]
    entities = {(e.platform, e.key): e for e in pkg.facts.entities}
    for platform, keys in (pkg.icons.get("entity") or {}).items():
        for key, icon in keys.items():
            entity = entities.get((platform, key))
            if entity is None:
                found.append(f"icons.json: entity.{platform}.{key} is not used")
                continue
            if entity.device_class == SensorDeviceClass.BATTERY:
                found.append(
                    f"icons.json: entity.{platform}.{key} hides the battery level icon"
                )
            states = (
                {"on", "off"}
                if platform == "binary_sensor"
                else set(entity.options or ())
            )
            found += [
                f"icons.json: entity.{platform}.{key}.state.{state} is not a state "
                "of the entity"
                for state in sorted(set(icon.get("state", {})) - states)
            ]
            if set(icon) - {"default", "state", "range"}:
                found.append(f"icons.json: entity.{platform}.{key} has unknown keys")
    services = {service.name for service in pkg.facts.services}
    found += [
        f"icons.json: services.{name} is not used"
        for name in sorted(set(pkg.icons.get("services") or {}) - services)
    ]
    return found


def test_translations_hold_nothing_unused() -> None:
    with loaded() as pkg:
        assert stale_translations(pkg) == []
        assert credentials_dialog_problems(pkg) == []


def test_icons_are_valid_and_used() -> None:
    with loaded() as pkg:
        assert icon_problems(pkg) == []


# --- Broken copies ---------------------------------------------------------------


def edit_file(name: str, change: Callable[[Any], object]) -> Callable[[Path], None]:
    """Change a JSON file of the integration copy."""

    def breakage(root: Path) -> None:
        path = root / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return breakage


def edit_text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def breakage(root: Path) -> None:
        path = root / name
        text = path.read_text()
        assert old in text, f"{old!r} is not in {path}"
        path.write_text(text.replace(old, new, 1))

    return breakage


def reorder(manifest: dict[str, Any]) -> None:
    version = manifest.pop("version")
    items = list(manifest.items())
    manifest.clear()
    manifest.update([items[0], items[1], ("version", version), *items[2:]])


def strings(change: Callable[[Any], object]) -> Callable[[Path], None]:
    return edit_file("translations/en.json", change)


def icons(change: Callable[[Any], object]) -> Callable[[Path], None]:
    return edit_file("icons.json", change)


def services_yaml(old: str, new: str) -> Callable[[Path], None]:
    return edit_text("services.yaml", old, new)


CHECKS: dict[str, Callable[[Package], list[str]]] = {
    "manifest": manifest_problems,
    "services": service_problems,
    "stale": stale_translations,
    "credentials": credentials_dialog_problems,
    "icons": icon_problems,
}


class Breakage(NamedTuple):
    """A way to break a copy, the check that must notice, and its message."""

    name: str
    change: Callable[[Path], object]
    check: str
    expected: str


BREAKAGES = [
    Breakage(
        "manifest_order",
        edit_file("manifest.json", reorder),
        "manifest",
        "manifest.json keys after domain and name are not sorted",
    ),
    Breakage(
        "manifest_documentation",
        edit_file("manifest.json", lambda m: m.pop("documentation")),
        "manifest",
        "manifest.json has no documentation",
    ),
    Breakage(
        "manifest_dependency",
        edit_file("manifest.json", lambda m: m.update(after_dependencies=[])),
        "manifest",
        "statistics.py:",
    ),
    Breakage(
        "service_field_missing",
        services_yaml(
            "    rebuild:\n      default: false\n      selector:\n        boolean:\n",
            "",
        ),
        "services",
        "services.yaml: import_history.rebuild is missing",
    ),
    Breakage(
        "service_field_extra",
        services_yaml(
            "    dry_run:",
            "    force:\n      selector:\n        boolean:\n    dry_run:",
        ),
        "services",
        "services.yaml: import_history.force is not in the schema",
    ),
    Breakage(
        "service_required",
        services_yaml("      required: true\n", ""),
        "services",
        "services.yaml: import_history.start_date is optional, "
        "the schema says required",
    ),
    Breakage(
        "service_default",
        services_yaml("      default: false\n", "      default: true\n"),
        "services",
        "services.yaml: import_history.dry_run default is True, the schema's is False",
    ),
    Breakage(
        "service_selector",
        services_yaml("        date:\n", "        boolean:\n"),
        "services",
        "services.yaml: import_history.start_date has the selector "
        "['boolean'], which does not fit date",
    ),
    Breakage(
        "service_example",
        services_yaml('"2026-10-01"', '"first of October"'),
        "services",
        "services.yaml: import_history.start_date example 'first of October' does not "
        "validate",
    ),
    Breakage(
        "service_integration",
        services_yaml(
            "        device:\n          integration: tesla_powerwall3",
            "        device:\n          integration: tesla_fleet",
        ),
        "services",
        "services.yaml: import_history.device_id selects another integration",
    ),
    Breakage(
        "service_unknown",
        services_yaml("import_history:", "made_up:\n  fields: {}\nimport_history:"),
        "services",
        "services.yaml describes made_up, which the code does not register",
    ),
    Breakage(
        "service_invalid_selector",
        services_yaml("        boolean:\n", "        nonsense:\n"),
        "services",
        "services.yaml is invalid",
    ),
    Breakage(
        "service_translation",
        strings(lambda s: s["services"]["import_history"]["fields"].pop("dry_run")),
        "services",
        "services.import_history.fields.dry_run.name is missing",
    ),
    Breakage(
        "service_translation_stale",
        strings(lambda s: s["services"]["import_history"]["fields"].update(force={})),
        "services",
        "services.import_history.fields.force is not used",
    ),
    Breakage(
        "stale_abort",
        strings(lambda s: s["config"]["abort"].update(made_up="x")),
        "stale",
        "config.abort.made_up is not used",
    ),
    Breakage(
        "stale_central_abort",
        strings(lambda s: s["config"]["abort"].update(oauth_failed="x")),
        "stale",
        "config.abort.oauth_failed is not used: Home Assistant translates it",
    ),
    Breakage(
        "stale_step",
        strings(lambda s: s["options"]["step"].update(made_up={"title": "x"})),
        "stale",
        "options.step.made_up.title is not used",
    ),
    Breakage(
        "stale_error",
        strings(lambda s: s["config"]["error"].update(made_up="x")),
        "stale",
        "config.error.made_up is not used",
    ),
    Breakage(
        "stale_field",
        strings(lambda s: s["options"]["step"]["budget"]["data"].update(made_up="x")),
        "stale",
        "options.step.budget.data.made_up is not used",
    ),
    Breakage(
        "stale_entity",
        strings(lambda s: s["entity"]["sensor"].update(made_up={"name": "x"})),
        "stale",
        "entity.sensor.made_up.name is not used",
    ),
    Breakage(
        "stale_state",
        strings(
            lambda s: s["entity"]["sensor"]["grid_status"]["state"].update(made_up="x")
        ),
        "stale",
        "entity.sensor.grid_status.state.made_up is not used",
    ),
    Breakage(
        "stale_exception",
        strings(lambda s: s["exceptions"].update(made_up={"message": "x"})),
        "stale",
        "exceptions.made_up.message is not used",
    ),
    Breakage(
        "stale_issue",
        strings(lambda s: s["issues"].update(made_up={"title": "x"})),
        "stale",
        "issues.made_up.title is not used",
    ),
    Breakage(
        "stale_fix_flow",
        strings(
            lambda s: s["issues"]["budget_exhausted"].update(
                fix_flow={"abort": {"x": "y"}}
            )
        ),
        "stale",
        "issues.budget_exhausted.fix_flow.abort.x is not used",
    ),
    Breakage(
        "stale_selector",
        strings(lambda s: s["selector"]["mode"]["options"].update(made_up="x")),
        "stale",
        "selector.mode.options.made_up is not used",
    ),
    Breakage(
        "stale_section",
        strings(lambda s: s.update(device={"x": {"name": "y"}})),
        "stale",
        "device is not a translation section",
    ),
    Breakage(
        "stale_after_code_change",
        edit_text("config_flow.py", 'reason="no_energy_sites"', 'reason="brand_new"'),
        "stale",
        "config.abort.no_energy_sites is not used",
    ),
    Breakage(
        "credentials_placeholder",
        strings(lambda s: s["application_credentials"].update(description="{portal}")),
        "credentials",
        "application_credentials.description uses {portal}, which "
        "async_get_description_placeholders does not return",
    ),
    Breakage(
        "icon_format",
        icons(
            lambda i: i["services"]["import_history"].update(service="database-import")
        ),
        "icons",
        "icons.json: services.import_history.service is not an mdi: icon",
    ),
    Breakage(
        "icon_stale_entity",
        icons(lambda i: i["entity"]["sensor"].update(made_up={"default": "mdi:x"})),
        "icons",
        "icons.json: entity.sensor.made_up is not used",
    ),
    Breakage(
        "icon_stale_state",
        icons(
            lambda i: i["entity"]["sensor"]["grid_status"]["state"].update(
                made_up="mdi:x"
            )
        ),
        "icons",
        "icons.json: entity.sensor.grid_status.state.made_up is not a state",
    ),
    Breakage(
        "icon_binary_state",
        icons(
            lambda i: i["entity"]["binary_sensor"]["storm_mode_active"]["state"].update(
                maybe="mdi:x"
            )
        ),
        "icons",
        "icons.json: entity.binary_sensor.storm_mode_active.state.maybe is not a state",
    ),
    Breakage(
        "icon_battery",
        icons(
            lambda i: i["entity"]["sensor"].update(
                battery_level={"default": "mdi:battery"}
            )
        ),
        "icons",
        "icons.json: entity.sensor.battery_level hides the battery level icon",
    ),
    Breakage(
        "icon_stale_service",
        icons(lambda i: i["services"].update(made_up={"service": "mdi:x"})),
        "icons",
        "icons.json: services.made_up is not used",
    ),
]


@pytest.mark.parametrize(
    ("breakage", "check", "expected"),
    [pytest.param(b.change, b.check, b.expected, id=b.name) for b in BREAKAGES],
)
def test_a_broken_copy_is_caught(
    tmp_path: Path, breakage: Callable[[Path], None], check: str, expected: str
) -> None:
    """Break a copy on purpose: the check must notice, with its message."""
    root = copy_repository(tmp_path)
    breakage(root)
    with loaded(root) as pkg:
        found = CHECKS[check](pkg)
    # Source line numbers are left out: they move with every edit of a module.
    expected = without_lines(expected)
    assert any(without_lines(m).startswith(expected) for m in found), found


def test_an_unbroken_copy_holds(tmp_path: Path) -> None:
    with loaded(copy_repository(tmp_path)) as pkg:
        assert {name: check(pkg) for name, check in CHECKS.items()} == {
            name: [] for name in CHECKS
        }
