"""quality_scale.yaml: every rule, a valid status, and done means done.

Each rule is either checked here (RULE_CHECKS, on the code, its translations
and its files), or by a named test elsewhere (LINKED_TESTS), or stated to need a
human (BY_HAND). An exempt rule's reason is checked where it is a fact about
the code (EXEMPTIONS). test_a_broken_copy_is_caught breaks a copy of the
repository on purpose for every check and expects the check's message;
test_a_broken_setup_is_caught does the same for the checks of a real setup.
"""

import annotationlib
import ast
from collections import Counter
from collections.abc import Callable, Iterator
import functools
import inspect
import json
from pathlib import Path
import struct
import tomllib
import typing
from typing import Any, NamedTuple
from unittest.mock import patch

import aiohttp
from aioresponses import aioresponses
from homeassistant.components.diagnostics import async_redact_data
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import EntityPlatform
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.tesla_powerwall3.entity import (
    AccountEntity,
    PowerwallEntity,
    WallConnectorEntity,
)
from tests.common import load_payload, mock_site, setup_entry
from tests.quality_checks import (
    DISCOVERY_KEYS,
    INTEGRATION,
    Flow,
    Form,
    Package,
    Scope,
    class_default,
    copy_repository,
    entity_classes,
    loaded,
    lookup,
    placeholders_in,
    reachable_functions,
    select_options,
    without_lines,
)

type Check = Callable[[Package], list[str]]

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
ALL_RULES = {rule for tier in RULES.values() for rule in tier}


# --- The file itself ----------------------------------------------------------


def format_problems(scale: dict[str, Any]) -> list[str]:
    """Every rule once, a known status, and a reason for each exemption."""
    rules = scale.get("rules") or {}
    found = [f"unknown rule {rule}" for rule in sorted(set(rules) - ALL_RULES)]
    found += [f"missing rule {rule}" for rule in sorted(ALL_RULES - set(rules))]
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value.get("status")
        if status not in {"todo", "done", "exempt"}:
            found.append(f"{rule}: bad status {status!r}")
        if status == "exempt" and not (
            isinstance(value, dict) and value.get("comment")
        ):
            found.append(f"{rule}: exempt without a reason")
    return found


def statuses(pkg: Package) -> dict[str, str]:
    scale = yaml.safe_load((pkg.root / "quality_scale.yaml").read_text()) or {}
    return {
        rule: value if isinstance(value, str) else str(value.get("status"))
        for rule, value in (scale.get("rules") or {}).items()
    }


# --- Checks of translations (config-flow, entity-, exception-translations...) ----


def flow_translations(strings: dict[str, Any], flow: Flow) -> list[str]:
    """Every form and menu, error and abort of a flow is translated."""
    found: list[str] = []
    for step, form in sorted(flow.forms.items()):
        found += form_translations(strings, flow.prefix, step, form)
    for reason, passed in sorted(flow.aborts.items()):
        path = f"{flow.prefix}.abort.{reason}"
        text = lookup(strings, path)
        if not text:
            found.append(f"{path} is missing")
        elif passed is None:
            found.append(f"{path}: cannot tell its placeholders")
        else:
            found += [
                f"{path} uses {{{name}}}, which is not passed"
                for name in sorted(placeholders_in(text) - passed)
            ]
    return found


def form_translations(
    strings: dict[str, Any], prefix: str, step: str, form: Form
) -> list[str]:
    """A title, every field's data and data_description, menu options, errors."""
    base = f"{prefix}.step.{step}"
    node = lookup(strings, base)
    if not isinstance(node, dict):
        return [f"{base} is missing (the {form.kind} of {form.where})"]
    passed = form.placeholders or set()
    found = [] if node.get("title") else [f"{base}.title is missing"]
    found += [
        f"{base}.{part} uses {{{name}}}, which {form.where} does not pass"
        for part in ("title", "description")
        for name in sorted(placeholders_in(node.get(part)) - passed)
    ]
    found += [
        f"{base}.{part}.{name} is missing"
        for name in form.fields or []
        for part in ("data", "data_description")
        if not lookup(node, f"{part}.{name}")
    ]
    found += [
        f"selector.{key}.options.{value} is missing (field {name} of {base})"
        for name, key, value in select_options(form)
        if not lookup(strings, f"selector.{key}.options.{value}")
    ]
    found += [
        f"{base}.menu_options.{option} is missing"
        for option in form.menu_options
        if not lookup(node, f"menu_options.{option}")
    ]
    for error in sorted(form.errors or ()):
        text = lookup(strings, f"{prefix}.error.{error}")
        if not text:
            found.append(f"{prefix}.error.{error} is missing (shown by {base})")
        found += [
            f"{prefix}.error.{error} uses {{{name}}}, which {form.where} does not pass"
            for name in sorted(placeholders_in(text) - passed)
        ]
    return found


def check_config_flow(pkg: Package) -> list[str]:
    """The config and options flows: every step, field, error, abort translated."""
    facts = pkg.facts
    found = list(facts.problems)
    if pkg.manifest.get("config_flow") is not True:
        found.append("manifest.json does not set config_flow: true")
    config = [flow for flow in facts.flows if flow.prefix == "config"]
    if not config:
        found.append("config_flow.py defines no ConfigFlow")
    for flow in facts.flows:
        if flow.prefix in {"config", "options"}:
            found += flow_translations(pkg.strings, flow)
    return found


def check_unique_config_entry(pkg: Package) -> list[str]:
    found: list[str] = []
    for flow in pkg.facts.flows:
        if flow.prefix == "config":
            found += [
                f"the config flow never calls {name}"
                for name in ("async_set_unique_id", "_abort_if_unique_id_configured")
                if name not in flow.calls
            ]
    return found


def check_reauthentication_flow(pkg: Package) -> list[str]:
    facts = pkg.facts
    found = [
        "the config flow has no reauth step"
        for flow in facts.flows
        if flow.prefix == "config" and "reauth" not in flow.steps
    ]
    if not any(e.kind == "ConfigEntryAuthFailed" for e in facts.exceptions):
        found.append("nothing raises ConfigEntryAuthFailed, so reauth never starts")
    return found


def check_reconfiguration_flow(pkg: Package) -> list[str]:
    return [
        "the config flow has no reconfigure step"
        for flow in pkg.facts.flows
        if flow.prefix == "config" and "reconfigure" not in flow.steps
    ]


def check_entity_translations(pkg: Package) -> list[str]:
    """A name for every entity translation_key, a state for every enum option."""
    found: list[str] = []
    for entity in pkg.facts.entities:
        base = f"entity.{entity.platform}.{entity.key}"
        node = lookup(pkg.strings, base)
        if not isinstance(node, dict) or not node.get("name"):
            found.append(f"{base}.name is missing (from {entity.source})")
            continue
        found += [
            f"{base}.state.{option} is missing"
            for option in entity.options or ()
            if not lookup(node, f"state.{option}")
        ]
    return found


def check_exception_translations(pkg: Package) -> list[str]:
    """Every exception raised: translated, with every placeholder passed."""
    facts = pkg.facts
    found = list(facts.problems)
    for raised in facts.exceptions:
        text = lookup(pkg.strings, f"exceptions.{raised.key}.message")
        if not text:
            found.append(f"exceptions.{raised.key}.message is missing ({raised.where})")
        elif raised.placeholders is None:
            found.append(f"{raised.where}: cannot tell the placeholders passed")
        else:
            found += [
                f"exceptions.{raised.key}.message uses {{{name}}}, which "
                f"{raised.where} does not pass"
                for name in sorted(placeholders_in(text) - raised.placeholders)
            ]
    return found


def check_repair_issues(pkg: Package) -> list[str]:
    """Every issue has a title and description; fixable ones a translated fix flow."""
    facts = pkg.facts
    found = list(facts.problems)
    if not facts.issues:
        found.append("the integration creates no repair issue")
    for issue in facts.issues:
        base = f"issues.{issue.key}"
        for part in ("title", "description"):
            text = lookup(pkg.strings, f"{base}.{part}")
            if not text:
                found.append(f"{base}.{part} is missing ({issue.where})")
            found += [
                f"{base}.{part} uses {{{name}}}, which {issue.where} does not pass"
                for name in sorted(
                    placeholders_in(text) - (issue.placeholders or set())
                )
            ]
        fix_flows = [f for f in facts.flows if f.prefix == f"{base}.fix_flow"]
        if issue.fixable and not fix_flows:
            found.append(f"{base} is fixable but async_create_fix_flow returns no flow")
        for flow in fix_flows:
            found += flow_translations(pkg.strings, flow)
    return found


def check_action_exceptions(pkg: Package) -> list[str]:
    """Service handlers raise only Home Assistant's (translated) errors."""
    module = pkg.module("services")
    if module is None:
        return ["services.py is missing"]
    reader = pkg.reader
    found: list[str] = []
    for fn in ast.walk(pkg.trees["services"]):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        scope = Scope(fn, module, "services")
        for node in ast.walk(fn):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            kind = reader.evaluate(raised, scope)
            if inspect.isfunction(kind):
                kind = typing.get_type_hints(kind).get("return")
            if not (isinstance(kind, type) and issubclass(kind, HomeAssistantError)):
                found.append(
                    f"{reader.where(scope, node)}: raises "
                    f"{ast.unparse(raised)}, not a HomeAssistantError"
                )
    return sorted(set(found))


def check_icon_translations(pkg: Package) -> list[str]:
    """icons.json has an icon for every entity and service; none is set in code."""
    facts = pkg.facts
    found: list[str] = []
    for entity in facts.entities:
        if entity.icon_in_code:
            found.append(f"{entity.source} sets an icon in code, not in icons.json")
        # A battery's icon comes from its device class (it shows the level).
        if entity.device_class == SensorDeviceClass.BATTERY:
            continue
        if not lookup(pkg.icons, f"entity.{entity.platform}.{entity.key}.default"):
            found.append(
                f"icons.json: entity.{entity.platform}.{entity.key} is missing"
            )
    found += [
        f"{short}.{cls.__name__} sets an icon in code (_attr_icon), not in icons.json"
        for short, module in pkg.modules.items()
        for cls in entity_classes(pkg, module)
        if class_default(cls, "icon") is not None
    ]
    found += [
        f"icons.json: services.{service.name}.service is missing"
        for service in facts.services
        if not lookup(pkg.icons, f"services.{service.name}.service")
    ]
    return found


# --- Checks of the code (parallel-updates, runtime-data, ...) ----------------------


def check_parallel_updates(pkg: Package) -> list[str]:
    found: list[str] = []
    for platform in pkg.platforms:
        module = pkg.module(platform)
        if module is None:
            found.append(f"{platform}.py is missing")
        elif not isinstance(getattr(module, "PARALLEL_UPDATES", None), int):
            found.append(f"{platform}.py does not set PARALLEL_UPDATES")
    return found


def entry_hooks(pkg: Package) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The functions Home Assistant passes the config entry to."""
    hooks = [("", "async_setup_entry"), ("", "async_unload_entry")]
    hooks += [("", "async_remove_entry")]
    hooks += [("", "async_remove_config_entry_device")]
    hooks += [(platform, "async_setup_entry") for platform in pkg.platforms]
    hooks += [("diagnostics", "async_get_config_entry_diagnostics")]
    hooks += [("diagnostics", "async_get_device_diagnostics")]
    for module, name in hooks:
        function = getattr(pkg.module(module), name, None)
        if function is not None:
            yield f"{module or '__init__'}.{name}", function


def check_runtime_data(pkg: Package) -> list[str]:
    """A `type XConfigEntry = ConfigEntry[Data]` alias types every entry hook."""
    found: list[str] = []
    for name, function in entry_hooks(pkg):
        parameters = list(inspect.signature(function).parameters)
        if len(parameters) < 2:
            continue
        annotation = inspect.get_annotations(
            function, format=annotationlib.Format.FORWARDREF
        ).get(parameters[1])
        value = getattr(annotation, "__value__", None)
        args = typing.get_args(value)
        if not (
            isinstance(annotation, typing.TypeAliasType)
            and typing.get_origin(value) is ConfigEntry
            and len(args) == 1
            and isinstance(args[0], type)
            and pkg.owns(args[0])
        ):
            found.append(
                f"{name}: {parameters[1]} is {annotation!r}, not a "
                "`type XConfigEntry = ConfigEntry[Data]` alias"
            )
    setup = pkg.reader.scope_of(pkg.modules[""].async_setup_entry)
    assert setup is not None
    if not any(
        isinstance(node, ast.Assign)
        and any(
            isinstance(t, ast.Attribute) and t.attr == "runtime_data"
            for t in node.targets
        )
        for node in ast.walk(setup.fn)
    ):
        found.append("__init__.async_setup_entry never sets entry.runtime_data")
    return found


def check_has_entity_name(pkg: Package) -> list[str]:
    return [
        f"{platform}.{cls.__name__} does not set _attr_has_entity_name = True"
        for platform in pkg.platforms
        for cls in entity_classes(pkg, pkg.modules[platform])
        if class_default(cls, "has_entity_name") is not True
    ]


def check_common_modules(pkg: Package) -> list[str]:
    """Coordinators in coordinator.py, the base entities in entity.py."""
    found: list[str] = []
    coordinator, entity = pkg.module("coordinator"), pkg.module("entity")
    if coordinator is None or not any(
        issubclass(cls, DataUpdateCoordinator)
        for cls in vars(coordinator).values()
        if isinstance(cls, type) and cls.__module__ == coordinator.__name__
    ):
        found.append("coordinator.py defines no DataUpdateCoordinator")
    bases = entity_classes(pkg, entity) if entity is not None else []
    if not bases:
        found.append("entity.py defines no base entity")
    for platform in pkg.platforms:
        found += [
            f"{platform}.{cls.__name__} does not derive from a base of entity.py"
            for cls in entity_classes(pkg, pkg.modules[platform])
            if not any(issubclass(cls, base) for base in bases)
        ]
    return found


def check_action_setup(pkg: Package) -> list[str]:
    """Services are registered in async_setup, not per config entry."""
    reader = pkg.reader
    init = pkg.modules[""]
    setup = reachable_functions(pkg, reader, getattr(init, "async_setup", None))
    per_entry = reachable_functions(pkg, reader, init.async_setup_entry)
    found: list[str] = []
    for service in pkg.facts.services:
        if service.function not in setup:
            found.append(f"{service.name} is not registered from async_setup")
        if service.function in per_entry:
            found.append(f"{service.name} is registered from async_setup_entry")
    return found


def check_config_entry_unloading(pkg: Package) -> list[str]:
    unload = getattr(pkg.modules[""], "async_unload_entry", None)
    scope = pkg.reader.scope_of(unload) if unload is not None else None
    if scope is None:
        return ["__init__.py has no async_unload_entry"]
    if not any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "async_unload_platforms"
        for node in ast.walk(scope.fn)
    ):
        return ["async_unload_entry does not unload the platforms"]
    return []


def check_stale_devices(pkg: Package) -> list[str]:
    if getattr(pkg.modules[""], "async_remove_config_entry_device", None) is None:
        return ["__init__.py has no async_remove_config_entry_device"]
    return []


def check_diagnostics(pkg: Package) -> list[str]:
    module = pkg.module("diagnostics")
    function = getattr(module, "async_get_config_entry_diagnostics", None)
    if function is None:
        return ["diagnostics.py has no async_get_config_entry_diagnostics"]
    reader = pkg.reader
    scope = reader.scope_of(function)
    assert scope is not None
    if not any(
        isinstance(node, ast.Call)
        and reader.evaluate(node.func, scope) is async_redact_data
        for node in ast.walk(scope.fn)
    ):
        return ["async_get_config_entry_diagnostics does not call async_redact_data"]
    return []


def png_size(path: Path) -> tuple[int, int] | None:
    data = path.read_bytes()[:24] if path.exists() else b""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def check_brands(pkg: Package) -> list[str]:
    found: list[str] = []
    for name, size in (("icon.png", (256, 256)), ("icon@2x.png", (512, 512))):
        actual = png_size(pkg.root / "brand" / name)
        if actual != size:
            found.append(f"brand/{name} is not a {size[0]}x{size[1]} PNG ({actual})")
    return found


def check_integration_owner(pkg: Package) -> list[str]:
    owners = pkg.manifest.get("codeowners") or []
    if not owners or not all(isinstance(o, str) and o.startswith("@") for o in owners):
        return [f"manifest.json codeowners is {owners!r}"]
    return []


def check_inject_websession(pkg: Package) -> list[str]:
    """Only Home Assistant's shared aiohttp session, never a session of our own."""
    reader = pkg.reader
    found: list[str] = []
    shared = False
    for call, scope in reader.calls():
        value = reader.evaluate(call.func, scope)
        shared |= value is async_get_clientsession
        if value is aiohttp.ClientSession:
            found.append(
                f"{reader.where(scope, call)}: creates an aiohttp.ClientSession"
            )
    if not shared:
        found.append("nothing calls async_get_clientsession")
    return found


BLOCKING_MODULES = {"requests", "urllib.request", "http.client", "urllib3", "httpx"}


def check_async_dependency(pkg: Package) -> list[str]:
    """No blocking HTTP library, no time.sleep, in the package."""
    found: list[str] = []
    for short, tree in pkg.trees.items():
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [
                f"{pkg.where(short, node)}: imports {name}, which blocks"
                for name in names
                if name in BLOCKING_MODULES or name.split(".")[0] in BLOCKING_MODULES
            ]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "sleep"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "time"
            ):
                found.append(f"{pkg.where(short, node)}: calls time.sleep")
    return found


def pyproject(pkg: Package) -> dict[str, Any]:
    path = pkg.repo / "pyproject.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def check_strict_typing(pkg: Package) -> list[str]:
    """Mypy runs strict on the integration (CI runs it: see the module docstring)."""
    mypy = pyproject(pkg).get("tool", {}).get("mypy", {})
    found = [] if mypy.get("strict") is True else ["pyproject.toml: mypy is not strict"]
    if "custom_components" not in mypy.get("files", []):
        found.append("pyproject.toml: mypy does not check custom_components")
    return found


def check_test_coverage(pkg: Package) -> list[str]:
    coverage = pyproject(pkg).get("tool", {}).get("coverage", {})
    found: list[str] = []
    if float(coverage.get("report", {}).get("fail_under", 0)) < 95:
        found.append("pyproject.toml: coverage fail_under is below 95")
    if "custom_components" not in coverage.get("run", {}).get("source", []):
        found.append("pyproject.toml: coverage does not measure custom_components")
    return found


def check_docs_actions(pkg: Package) -> list[str]:
    """The README names every service and each of its fields."""
    readme = pkg.repo / "README.md"
    text = readme.read_text() if readme.exists() else ""
    found: list[str] = []
    for service in pkg.facts.services:
        if f"{pkg.domain}.{service.name}" not in text:
            found.append(f"README.md does not document {pkg.domain}.{service.name}")
        found += [
            f"README.md does not document the field {key} of {service.name}"
            for key in map(str, service.schema.schema)
            if key not in text
        ]
    return found


def readme_text(pkg: Package) -> str:
    """The README with whitespace collapsed and lower-cased, for finding names."""
    readme = pkg.repo / "README.md"
    return " ".join(readme.read_text().split()).lower() if readme.exists() else ""


def readme_sections(pkg: Package) -> set[str]:
    readme = pkg.repo / "README.md"
    lines = readme.read_text().splitlines() if readme.exists() else []
    return {line[3:].strip().lower() for line in lines if line.startswith("## ")}


def missing_labels(pkg: Package, labels: set[str], what: str) -> list[str]:
    text = readme_text(pkg)
    return [
        f"README.md does not describe the {what} {label!r}"
        for label in sorted(labels)
        if label.lower() not in text
    ]


def step_labels(steps: dict[str, Any]) -> set[str]:
    return {label for step in steps.values() for label in step.get("data", {}).values()}


def check_docs_configuration_parameters(pkg: Package) -> list[str]:
    """The README names every field of the options flow."""
    options = pkg.strings.get("options", {}).get("step", {})
    return missing_labels(pkg, step_labels(options), "option")


def check_docs_installation_parameters(pkg: Package) -> list[str]:
    """The README names every field the config flow asks for."""
    config = pkg.strings.get("config", {}).get("step", {})
    return missing_labels(pkg, step_labels(config), "set-up field")


def check_docs_supported_functions(pkg: Package) -> list[str]:
    """The README names every entity, by its translated name."""
    names = {
        entity["name"]
        for platform in pkg.strings.get("entity", {}).values()
        for entity in platform.values()
    }
    return missing_labels(pkg, names, "entity")


def check_docs_troubleshooting(pkg: Package) -> list[str]:
    """The README's troubleshooting names every repair issue a user can meet."""
    titles = {issue["title"] for issue in pkg.strings.get("issues", {}).values()}
    found = missing_labels(pkg, titles, "repair issue")
    if "troubleshooting" not in readme_sections(pkg):
        found.append("README.md has no Troubleshooting section")
    return found


def check_docs_examples(pkg: Package) -> list[str]:
    """Every blueprint is linked from the README."""
    text = readme_text(pkg)
    folder = pkg.repo / "blueprints" / "automation" / pkg.domain
    found = [
        f"README.md does not link the blueprint {path.name}"
        for path in sorted(folder.glob("*.yaml"))
        if path.name.lower() not in text
    ]
    if not any(folder.glob("*.yaml")):
        found.append(f"no blueprints in {folder.relative_to(pkg.repo)}")
    return found


def check_docs_data_update(pkg: Package) -> list[str]:
    """The README states the default request budget and the cost of polling."""
    budget = pkg.module("budget")
    default = getattr(budget, "DEFAULT_BUDGET", None)
    text = readme_text(pkg)
    found = []
    if default is None or f"{default:,}" not in text:
        found.append(f"README.md does not state the default budget ({default})")
    if "polling and what it costs" not in readme_sections(pkg):
        found.append("README.md has no section on polling and its cost")
    return found


def sections_check(*titles: str) -> Check:
    """A check that the README has sections of these titles."""

    def check(pkg: Package) -> list[str]:
        sections = readme_sections(pkg)
        return [f"README.md has no section {t!r}" for t in titles if t not in sections]

    check.__name__ = f"check_sections_{'_'.join(t.split()[0] for t in titles)}"
    return check


def check_docs_installation_instructions(pkg: Package) -> list[str]:
    """HACS and manual installation, with the folder to copy."""
    text = readme_text(pkg)
    found = sections_check("install")(pkg)
    if "custom repositories" not in text:
        found.append("README.md does not explain adding the HACS custom repository")
    if f"custom_components/{pkg.domain}" not in text:
        found.append("README.md does not say which folder to copy by hand")
    return found


# --- Exemptions whose reason is a fact about the code ---------------------------


def exempt_without_requirements(pkg: Package) -> list[str]:
    requirements = pkg.manifest.get("requirements") or []
    return [f"the manifest has requirements {requirements}"] if requirements else []


def exempt_without_discovery(pkg: Package) -> list[str]:
    found = [
        f"the manifest declares {key}" for key in DISCOVERY_KEYS if key in pkg.manifest
    ]
    found += [
        f"the config flow defines async_step_{key}"
        for flow in pkg.facts.flows
        if flow.prefix == "config"
        for key in DISCOVERY_KEYS
        if f"async_step_{key}" in vars(flow.cls)
    ]
    return found


def exempt_without(*modules: str) -> Check:
    """An exemption that holds while none of these platform files exists."""

    def check(pkg: Package) -> list[str]:
        return [f"{m}.py exists" for m in modules if (pkg.root / f"{m}.py").exists()]

    check.__name__ = f"exempt_without_{'_'.join(modules)}"
    return check


# --- Which rule each check and test stands for -------------------------------------

RULE_CHECKS: dict[str, tuple[Check, ...]] = {
    "action-exceptions": (check_action_exceptions, check_exception_translations),
    "action-setup": (check_action_setup,),
    "async-dependency": (check_async_dependency,),
    "brands": (check_brands,),
    "common-modules": (check_common_modules,),
    "config-entry-unloading": (check_config_entry_unloading,),
    "config-flow": (check_config_flow,),
    "diagnostics": (check_diagnostics,),
    "docs-actions": (check_docs_actions,),
    "docs-configuration-parameters": (check_docs_configuration_parameters,),
    "docs-data-update": (check_docs_data_update,),
    "docs-examples": (check_docs_examples,),
    "docs-installation-instructions": (check_docs_installation_instructions,),
    "docs-installation-parameters": (check_docs_installation_parameters,),
    "docs-known-limitations": (sections_check("known limitations"),),
    "docs-removal-instructions": (sections_check("removing"),),
    "docs-supported-devices": (sections_check("supported devices"),),
    "docs-supported-functions": (check_docs_supported_functions,),
    "docs-troubleshooting": (check_docs_troubleshooting,),
    "docs-use-cases": (sections_check("examples and use cases"),),
    "entity-translations": (check_entity_translations,),
    "exception-translations": (check_exception_translations,),
    "has-entity-name": (check_has_entity_name,),
    "icon-translations": (check_icon_translations,),
    "inject-websession": (check_inject_websession,),
    "integration-owner": (check_integration_owner,),
    "parallel-updates": (check_parallel_updates,),
    "reauthentication-flow": (check_reauthentication_flow,),
    "reconfiguration-flow": (check_reconfiguration_flow,),
    "repair-issues": (check_repair_issues,),
    "runtime-data": (check_runtime_data,),
    "stale-devices": (check_stale_devices,),
    "strict-typing": (check_strict_typing,),
    "test-coverage": (check_test_coverage,),
    "unique-config-entry": (check_unique_config_entry,),
}

REAL_SETUP = "tests/test_quality_scale.py::test_entities_of_a_real_setup"
LINKED_TESTS: dict[str, tuple[str, ...]] = {
    "config-entry-unloading": ("tests/test_init.py::test_setup_and_unload",),
    "config-flow-test-coverage": (
        "tests/test_config_flow.py::test_full_flow",
        "tests/test_config_flow.py::test_products_errors_abort",
        "tests/test_registration.py::test_flow_explains_hosted_key_problems",
        "tests/test_options_flow.py::test_budget_option",
    ),
    "devices": (REAL_SETUP, "tests/test_sensor.py::test_platform_snapshot"),
    "diagnostics": ("tests/test_diagnostics.py::test_diagnostics",),
    "dynamic-devices": ("tests/test_devices.py::test_site_appears_then_disappears",),
    "entity-category": ("tests/test_sensor.py::test_platform_snapshot",),
    "entity-device-class": ("tests/test_sensor.py::test_platform_snapshot",),
    "entity-disabled-by-default": ("tests/test_sensor.py::test_platform_snapshot",),
    "entity-translations": (REAL_SETUP,),
    "entity-unavailable": (
        "tests/test_init.py::test_poll_faults_make_the_site_unavailable_once",
    ),
    "entity-unique-id": (REAL_SETUP,),
    "has-entity-name": (REAL_SETUP,),
    "log-when-unavailable": (
        "tests/test_init.py::test_poll_faults_make_the_site_unavailable_once",
    ),
    "reauthentication-flow": (
        "tests/test_config_flow.py::test_reauth_same_account",
        "tests/test_config_flow.py::test_reauth_other_account_refused",
    ),
    "reconfiguration-flow": ("tests/test_config_flow.py::test_reconfigure",),
    "repair-issues": ("tests/test_repairs.py::test_not_registered_while_polling",),
    "stale-devices": ("tests/test_devices.py::test_remove_device_only_when_stale",),
    "test-before-configure": ("tests/test_config_flow.py::test_products_errors_abort",),
    "test-before-setup": (
        "tests/test_init.py::test_retry_when_products_fails",
        "tests/test_init.py::test_not_registered_stops_without_retrying",
        "tests/test_init.py::test_missing_scope_starts_reauth",
    ),
    "unique-config-entry": ("tests/test_config_flow.py::test_already_configured",),
    "action-exceptions": ("tests/test_statistics.py::test_service_validation",),
}

BY_HAND: dict[str, str] = {
    "appropriate-polling": "the budget scheduler's intervals (tests/test_budget.py)",
    "docs-high-level-description": "README prose",
    "entity-event-setup": "where listeners are subscribed is a design review",
}
"""Rules only a reader can judge. The docs-* checks above find the names and
sections the README must have; whether its prose explains them well is read."""

EXEMPTIONS: dict[str, Check] = {
    "dependency-transparency": exempt_without_requirements,
    "discovery": exempt_without_discovery,
    "discovery-update-info": exempt_without_discovery,
    "docs-conditions": exempt_without("condition", "device_condition"),
    "docs-triggers": exempt_without("trigger", "device_trigger"),
}


def defined_tests(repo: Path, node: str) -> bool:
    """Whether a test node (path::name) is defined."""
    path, name = node.split("::")
    file = repo / path
    return file.exists() and name in _test_names(file.read_text())


@functools.cache
def _test_names(text: str) -> set[str]:
    return {
        item.name
        for item in ast.parse(text).body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def problems(pkg: Package, rules: set[str] = ALL_RULES) -> list[str]:
    """What is wrong with quality_scale.yaml for the code under pkg.

    The file's format always; of the rules, those given (all by default).
    """
    scale = yaml.safe_load((pkg.root / "quality_scale.yaml").read_text()) or {}
    found = format_problems(scale)
    for rule, status in sorted(statuses(pkg).items()):
        if rule not in rules:
            continue
        if status == "done":
            for check in RULE_CHECKS.get(rule, ()):
                found += [f"{rule}: {message}" for message in check(pkg)]
            found += [
                f"{rule}: the linked test {node} does not exist"
                for node in LINKED_TESTS.get(rule, ())
                if not defined_tests(pkg.repo, node)
            ]
        elif status == "exempt" and rule in EXEMPTIONS:
            found += [
                f"{rule} is exempt, but {message}" for message in EXEMPTIONS[rule](pkg)
            ]
    return found


def test_every_rule_is_checked_linked_or_reviewed() -> None:
    assert sum(len(tier) for tier in RULES.values()) == 54
    named = set(RULE_CHECKS) | set(LINKED_TESTS) | set(BY_HAND) | set(EXEMPTIONS)
    assert named <= ALL_RULES, named - ALL_RULES
    with loaded() as pkg:
        unaccounted = {
            rule
            for rule, status in statuses(pkg).items()
            if status == "done"
            and rule not in RULE_CHECKS
            and rule not in LINKED_TESTS
            and rule not in BY_HAND
        }
    assert unaccounted == set()
    assert not set(BY_HAND) & (set(RULE_CHECKS) | set(LINKED_TESTS))


def test_every_check_is_shown_to_catch_a_breakage() -> None:
    """Each check has a broken copy below that it catches (so each can fail)."""
    shown = {b.expected.split(" ", 1)[0].removesuffix(":") for b in BREAKAGES}
    uses: dict[Check, set[str]] = {}
    for rule, checks in RULE_CHECKS.items():
        for check in checks:
            uses.setdefault(check, set()).add(rule)
    for rule, check in EXEMPTIONS.items():
        uses.setdefault(check, set()).add(rule)
    assert {c.__name__: r for c, r in uses.items() if not r & shown} == {}


def test_quality_scale_holds() -> None:
    with loaded() as pkg:
        assert problems(pkg) == []


def test_an_unbroken_copy_holds(tmp_path: Path) -> None:
    """So that what a broken copy reports comes from its breakage."""
    with loaded(copy_repository(tmp_path)) as pkg:
        assert problems(pkg) == []


# --- A real setup: the entity registry of an entry ----------------------------------


type Offered = list[tuple[str, Entity]]
"""The entities a setup offered its platforms, with the platform's domain."""


def entity_problems(
    hass: HomeAssistant,
    entry: ConfigEntry,
    offered: Offered,
    keys: set[tuple[str, str]],
) -> list[str]:
    """What the entities a setup offered break (has-entity-name, unique ids...)."""
    registry = er.async_get(hass)
    found: list[str] = [] if offered else ["entity-unique-id: no entity was set up"]
    strings = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    for domain, entity in offered:
        name = entity.entity_id or f"{type(entity).__name__}({entity.unique_id})"
        if entity.unique_id is None:
            found.append(f"entity-unique-id: {name} has no unique_id")
        if entity.has_entity_name is not True:
            found.append(f"has-entity-name: {name}: has_entity_name is not True")
        key = entity.translation_key
        if (domain, str(key)) not in keys:
            found.append(
                f"entity-translations: {name}: translation_key {key!r} is not one "
                "that the metadata checks know"
            )
        expected = lookup(strings, f"entity.{domain}.{key}.name")
        if not expected:
            found.append(
                f"entity-translations: {name}: entity.{domain}.{key}.name is missing"
            )
        elif entity.name != expected:
            found.append(
                f"entity-translations: {name} is named {entity.name!r}, "
                f"not {expected!r}"
            )
        registered = registry.async_get(entity.entity_id) if entity.entity_id else None
        if registered is None or registered.config_entry_id != entry.entry_id:
            found.append(f"entity-unique-id: {name} is not registered for the entry")
        elif registered.device_id is None:
            found.append(f"devices: {name} has no device")
    counts = Counter((domain, entity.unique_id) for domain, entity in offered)
    found += [
        f"entity-unique-id: unique_id {unique_id!r} is used by {count} "
        f"{domain} entities"
        for (domain, unique_id), count in counts.items()
        if count > 1 and unique_id is not None
    ]
    return found


async def set_up_and_record(
    hass: HomeAssistant, mock: aioresponses, entry: MockConfigEntry
) -> Offered:
    """Set up an entry with a Wall Connector; return every entity offered.

    Also those Home Assistant refuses (a second entity with the same unique_id).
    """
    offered: Offered = []
    add = EntityPlatform._async_add_entity

    async def record(platform: EntityPlatform, entity: Entity, *args: Any) -> None:
        offered.append((platform.domain, entity))
        await add(platform, entity, *args)

    mock_site(
        mock, live=load_payload("live_status_real_2023-11-06_charging_wc_plugged")
    )
    with patch.object(EntityPlatform, "_async_add_entity", record):
        await setup_entry(hass, entry)
    return offered


def known_keys() -> set[tuple[str, str]]:
    with loaded() as pkg:
        return {(e.platform, e.key) for e in pkg.facts.entities}


@pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default")
@pytest.mark.freeze_time("2026-11-15 12:00:00+00:00")
async def test_entities_of_a_real_setup(
    hass: HomeAssistant, aioresponses_mock: aioresponses, config_entry: MockConfigEntry
) -> None:
    offered = await set_up_and_record(hass, aioresponses_mock, config_entry)
    assert entity_problems(hass, config_entry, offered, known_keys()) == []
    # Every platform and a Wall Connector took part.
    assert {domain for domain, _ in offered} == {"sensor", "binary_sensor"}
    assert any(isinstance(entity, WallConnectorEntity) for _, entity in offered)


@pytest.mark.usefixtures("setup_credentials", "entity_registry_enabled_by_default")
@pytest.mark.freeze_time("2026-11-15 12:00:00+00:00")
@pytest.mark.parametrize(
    ("target", "attribute", "value", "expected"),
    [
        (PowerwallEntity, "_attr_has_entity_name", False, "has-entity-name: sensor."),
        (
            AccountEntity,
            "unique_id",
            property(lambda _self: None),
            "entity-unique-id: sensor.requests_this_month has no unique_id",
        ),
        (
            WallConnectorEntity,
            "unique_id",
            property(lambda _self: "same"),
            "entity-unique-id: unique_id 'same' is used by 4 sensor entities",
        ),
        (
            AccountEntity,
            "translation_key",
            property(lambda _self: "made_up"),
            "translation_key 'made_up' is not one that the metadata checks know",
        ),
        (
            AccountEntity,
            "translation_key",
            property(lambda _self: "made_up"),
            "entity.sensor.made_up.name is missing",
        ),
        (
            AccountEntity,
            "name",
            property(lambda _self: "Wrong"),
            (
                "entity-translations: sensor.tesla_fleet_api_wrong is named 'Wrong', "
                "not 'Requests this month'"
            ),
        ),
        (
            AccountEntity,
            "device_info",
            property(lambda _self: None),
            "devices: sensor.requests_this_month has no device",
        ),
    ],
    ids=[
        "has_entity_name",
        "no_unique_id",
        "duplicate_unique_id",
        "unknown_key",
        "untranslated_name",
        "wrong_name",
        "no_device",
    ],
)
async def test_a_broken_setup_is_caught(
    hass: HomeAssistant,
    aioresponses_mock: aioresponses,
    config_entry: MockConfigEntry,
    target: type,
    attribute: str,
    value: object,
    expected: str,
) -> None:
    """Break the entities on purpose: the real-setup check must notice."""
    with patch.object(target, attribute, value):
        offered = await set_up_and_record(hass, aioresponses_mock, config_entry)
        found = entity_problems(hass, config_entry, offered, known_keys())
    assert any(expected in message for message in found), found


# --- Broken copies ---------------------------------------------------------------


def edit(path: Path, old: str, new: str, *, every: bool = False) -> None:
    """Replace text that must be there (the first occurrence, or every one).

    Asserting it is there keeps a breakage from silently missing.
    """
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, -1 if every else 1))


def edit_json(path: Path, change: Callable[[Any], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def edit_scale(change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def breakage(root: Path) -> None:
        path = root / "quality_scale.yaml"
        scale = yaml.safe_load(path.read_text())
        change(scale["rules"])
        path.write_text(yaml.safe_dump(scale))

    return breakage


def strings(change: Callable[[Any], object]) -> Callable[[Path], None]:
    return lambda root: edit_json(root / "translations" / "en.json", change)


def icons(change: Callable[[Any], object]) -> Callable[[Path], None]:
    return lambda root: edit_json(root / "icons.json", change)


def manifest(change: Callable[[Any], object]) -> Callable[[Path], None]:
    return lambda root: edit_json(root / "manifest.json", change)


def source(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root / name, old, new)


def repo_file(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda root: edit(root.parent.parent / name, old, new)


def steps(*changes: Callable[[Path], object]) -> Callable[[Path], None]:
    """Several changes, made in order."""

    def breakage(root: Path) -> None:
        for change in changes:
            change(root)

    return breakage


def delete(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


class Breakage(NamedTuple):
    """A way to break a copy of the repository, and the message that must follow."""

    name: str
    change: Callable[[Path], object]
    expected: str


BREAKAGES = [
    # The file's format
    Breakage(
        "missing_rule", edit_scale(lambda r: r.pop("devices")), "missing rule devices"
    ),
    Breakage(
        "unknown_rule",
        edit_scale(lambda r: r.update({"made-up": "done"})),
        "unknown rule made-up",
    ),
    Breakage(
        "exempt_without_reason",
        edit_scale(lambda r: r.update({"discovery": "exempt"})),
        "discovery: exempt without a reason",
    ),
    Breakage(
        "bad_status",
        edit_scale(lambda r: r.update({"devices": "maybe"})),
        "devices: bad status 'maybe'",
    ),
    # config-flow
    Breakage(
        "flow_step",
        strings(lambda s: s["config"]["step"].pop("reauth_confirm")),
        "config-flow: config.step.reauth_confirm is missing (the form of "
        "config_flow.py:82)",
    ),
    Breakage(
        "flow_title",
        strings(lambda s: s["options"]["step"]["budget"].pop("title")),
        "config-flow: options.step.budget.title is missing",
    ),
    Breakage(
        "flow_field",
        strings(lambda s: s["config"]["step"]["register"]["data"].clear()),
        "config-flow: config.step.register.data.domain is missing",
    ),
    Breakage(
        "flow_field_description",
        strings(
            lambda s: s["options"]["step"]["intervals"]["data_description"].pop(
                "live_interval"
            )
        ),
        "config-flow: options.step.intervals.data_description.live_interval is missing",
    ),
    Breakage(
        "inherited_step_field",
        strings(lambda s: s["config"]["step"]["pick_implementation"].pop("data")),
        "config-flow: config.step.pick_implementation.data.implementation is missing",
    ),
    Breakage(
        "flow_placeholder",
        strings(
            lambda s: s["config"]["step"]["reauth_confirm"].update(
                description="Hello {name}"
            )
        ),
        "config-flow: config.step.reauth_confirm.description uses {name}, which "
        "config_flow.py:82 does not pass",
    ),
    Breakage(
        "menu_option",
        strings(
            lambda s: s["config"]["step"]["reconfigure"]["menu_options"].pop(
                "register_domain"
            )
        ),
        "config-flow: config.step.reconfigure.menu_options.register_domain is missing",
    ),
    Breakage(
        "selector_option",
        strings(lambda s: s["selector"]["mode"]["options"].pop("budget")),
        "config-flow: selector.mode.options.budget is missing (field mode of "
        "options.step.init)",
    ),
    Breakage(
        "flow_error",
        strings(lambda s: s["config"]["error"].pop("key_tls")),
        "config-flow: config.error.key_tls is missing (shown by config.step.register)",
    ),
    Breakage(
        "flow_error_placeholder",
        strings(lambda s: s["config"]["error"].update(key_tls="{nothing}")),
        "config-flow: config.error.key_tls uses {nothing}, which registration.py:152 "
        "does not pass",
    ),
    Breakage(
        "flow_abort",
        strings(lambda s: s["config"]["abort"].pop("wrong_account")),
        "config-flow: config.abort.wrong_account is missing",
    ),
    Breakage(
        "inherited_abort",
        strings(lambda s: s["config"]["abort"].pop("missing_configuration")),
        "config-flow: config.abort.missing_configuration is missing",
    ),
    Breakage(
        "new_abort_in_code",
        source("config_flow.py", 'reason="no_energy_sites"', 'reason="brand_new"'),
        "config-flow: config.abort.brand_new is missing",
    ),
    Breakage(
        "abort_placeholder",
        strings(lambda s: s["config"]["abort"].update(wrong_account="{account}")),
        "config-flow: config.abort.wrong_account uses {account}, which is not passed",
    ),
    Breakage(
        "form_without_step",
        source("config_flow.py", 'step_id="reauth_confirm"', 'step_id="reauth_check"'),
        "config-flow: config_flow.py:82: the form of step 'reauth_check' is submitted "
        "to async_step_reauth_check, which OAuth2FlowHandler lacks",
    ),
    Breakage(
        "unreadable_step",
        source("config_flow.py", 'step_id="reauth_confirm"', "step_id=str(self)"),
        "config-flow: config_flow.py:82: cannot tell the step_id of the form",
    ),
    Breakage(
        "config_flow_off",
        manifest(lambda m: m.update(config_flow=False)),
        "config-flow: manifest.json does not set config_flow: true",
    ),
    # unique-config-entry, reauthentication-flow, reconfiguration-flow
    Breakage(
        "no_unique_id_abort",
        source("config_flow.py", "self._abort_if_unique_id_configured()", "pass"),
        "unique-config-entry: the config flow never calls "
        "_abort_if_unique_id_configured",
    ),
    Breakage(
        "no_reauth_step",
        source("config_flow.py", "async def async_step_reauth(", "async def reauth("),
        "reauthentication-flow: the config flow has no reauth step",
    ),
    Breakage(
        "no_auth_failed",
        source(
            "coordinator.py",
            "return ConfigEntryAuthFailed(",
            "return ConfigEntryError(",
        ),
        "reauthentication-flow: nothing raises ConfigEntryAuthFailed",
    ),
    Breakage(
        "no_reconfigure_step",
        source("config_flow.py", "def async_step_reconfigure(", "def reconfigure("),
        "reconfiguration-flow: the config flow has no reconfigure step",
    ),
    # entity-translations
    Breakage(
        "entity_name",
        strings(lambda s: s["entity"]["sensor"].pop("solar_power")),
        "entity-translations: entity.sensor.solar_power.name is missing (from "
        "sensor.LIVE_SENSORS)",
    ),
    Breakage(
        "entity_class_name",
        strings(lambda s: s["entity"]["sensor"].pop("history_import")),
        "entity-translations: entity.sensor.history_import.name is missing (from "
        "sensor.HistoryProgressSensor)",
    ),
    Breakage(
        "enum_state",
        strings(
            lambda s: s["entity"]["sensor"]["grid_status"]["state"].pop("islanded")
        ),
        "entity-translations: entity.sensor.grid_status.state.islanded is missing",
    ),
    # exception-translations, action-exceptions
    Breakage(
        "exception",
        strings(lambda s: s["exceptions"].pop("rate_limited")),
        "exception-translations: exceptions.rate_limited.message is missing "
        "(coordinator.py:93)",
    ),
    Breakage(
        "exception_via_helper",
        strings(lambda s: s["exceptions"].pop("in_future")),
        "exception-translations: exceptions.in_future.message is missing "
        "(services.py:85)",
    ),
    Breakage(
        "exception_placeholder",
        strings(lambda s: s["exceptions"]["not_loaded"].update(message="{site}")),
        "exception-translations: exceptions.not_loaded.message uses {site}, which "
        "services.py:56 does not pass",
    ),
    Breakage(
        "untranslated_exception",
        source(
            "services.py",
            'raise _invalid("no_recorder")',
            'raise HomeAssistantError("no recorder")',
        ),
        "exception-translations: services.py:108: HomeAssistantError is raised "
        "without translation_domain and translation_key",
    ),
    Breakage(
        "service_raises_other",
        source("services.py", 'raise _invalid("no_recorder")', "raise ValueError"),
        "action-exceptions: services.py:108: raises ValueError, not a "
        "HomeAssistantError",
    ),
    # repair-issues
    Breakage(
        "issue",
        strings(lambda s: s["issues"]["budget_exhausted"].pop("description")),
        "repair-issues: issues.budget_exhausted.description is missing (repairs.py:42)",
    ),
    Breakage(
        "issue_placeholder",
        strings(lambda s: s["issues"]["budget_exhausted"].update(title="{month}")),
        "repair-issues: issues.budget_exhausted.title uses {month}, "
        "which repairs.py:42 does not pass",
    ),
    Breakage(
        "fix_flow_step",
        strings(lambda s: s["issues"]["not_registered"]["fix_flow"]["step"].clear()),
        "repair-issues: issues.not_registered.fix_flow.step.register is missing",
    ),
    Breakage(
        "fix_flow_abort",
        strings(lambda s: s["issues"]["not_registered"]["fix_flow"].pop("abort")),
        "repair-issues: issues.not_registered.fix_flow.abort.entry_removed is missing",
    ),
    Breakage(
        "fix_flow_error",
        strings(
            lambda s: s["issues"]["not_registered"]["fix_flow"]["error"].pop(
                "domain_taken"
            )
        ),
        "repair-issues: issues.not_registered.fix_flow.error.domain_taken is missing",
    ),
    # icon-translations
    Breakage(
        "entity_icon",
        icons(lambda i: i["entity"]["binary_sensor"].pop("backup_capable")),
        "icon-translations: icons.json: entity.binary_sensor.backup_capable is missing",
    ),
    Breakage(
        "service_icon",
        icons(lambda i: i.pop("services")),
        "icon-translations: icons.json: services.import_history.service is missing",
    ),
    Breakage(
        "icon_in_code",
        source(
            "binary_sensor.py",
            'key="backup_capable",',
            'key="backup_capable", icon="mdi:shield",',
        ),
        "icon-translations: binary_sensor.LIVE_BINARY_SENSORS sets an icon in code",
    ),
    Breakage(
        "attr_icon_in_code",
        source(
            "sensor.py",
            "_attr_native_unit_of_measurement = PERCENTAGE",
            '_attr_native_unit_of_measurement = PERCENTAGE\n    _attr_icon = "mdi:x"',
        ),
        "icon-translations: sensor.HistoryProgressSensor sets an icon in code "
        "(_attr_icon)",
    ),
    # parallel-updates, runtime-data, has-entity-name, common-modules
    Breakage(
        "parallel_updates",
        source("binary_sensor.py", "PARALLEL_UPDATES = 0", "PARALLEL = 0"),
        "parallel-updates: binary_sensor.py does not set PARALLEL_UPDATES",
    ),
    Breakage(
        "untyped_entry",
        steps(
            source(
                "sensor.py",
                "from homeassistant.core import",
                "from homeassistant.config_entries import ConfigEntry\n"
                "from homeassistant.core import",
            ),
            source(
                "sensor.py",
                "    entry: PowerwallConfigEntry,\n    async_add_entities",
                "    entry: ConfigEntry,\n    async_add_entities",
            ),
        ),
        "runtime-data: sensor.async_setup_entry: entry is <class "
        "'homeassistant.config_entries.ConfigEntry'>, not a `type XConfigEntry = "
        "ConfigEntry[Data]` alias",
    ),
    Breakage(
        "no_runtime_data",
        source(
            "__init__.py", "entry.runtime_data = data", "entry.async_on_unload(print)"
        ),
        "runtime-data: __init__.async_setup_entry never sets entry.runtime_data",
    ),
    Breakage(
        "has_entity_name",
        source(
            "entity.py",
            "    _attr_has_entity_name = True\n    _attr_should_poll",
            "    _attr_should_poll",
        ),
        "has-entity-name: sensor.AccountSensor does not set _attr_has_entity_name = "
        "True",
    ),
    Breakage(
        "stray_entity",
        lambda root: (root / "binary_sensor.py").write_text(
            (root / "binary_sensor.py").read_text()
            + "\n\nclass Stray(BinarySensorEntity):\n    _attr_has_entity_name = True\n"
        ),
        "common-modules: binary_sensor.Stray does not derive from a base of entity.py",
    ),
    # action-setup, docs-actions
    Breakage(
        "service_per_entry",
        steps(
            source(
                "__init__.py",
                "    async_setup_services(hass)\n    return True",
                "    return True",
            ),
            source(
                "__init__.py",
                "    usage = UsageTracker(",
                "    async_setup_services(hass)\n    usage = UsageTracker(",
            ),
        ),
        "action-setup: import_history is not registered from async_setup",
    ),
    Breakage(
        "undocumented_action",
        lambda root: edit(
            root.parent.parent / "README.md",
            "tesla_powerwall3.import_history",
            "the import",
            every=True,
        ),
        "docs-actions: README.md does not document tesla_powerwall3.import_history",
    ),
    # docs-*: the names and sections the README must have
    Breakage(
        "undocumented_option",
        lambda root: edit(
            root.parent.parent / "README.md", "Requests a month", "Budget", every=True
        ),
        "docs-configuration-parameters: README.md does not describe the option "
        "'Requests a month'",
    ),
    Breakage(
        "undocumented_setup_field",
        strings(
            lambda d: d["config"]["step"]["register"]["data"].update(
                domain="Hosted key domain"
            )
        ),
        "docs-installation-parameters: README.md does not describe the set-up field "
        "'Hosted key domain'",
    ),
    Breakage(
        "undocumented_entity",
        strings(
            lambda d: d["entity"]["sensor"]["solar_power"].update(name="Solar output")
        ),
        "docs-supported-functions: README.md does not describe the entity "
        "'Solar output'",
    ),
    Breakage(
        "untroubled_issue",
        strings(
            lambda d: d["issues"]["budget_exhausted"].update(title="Out of requests")
        ),
        "docs-troubleshooting: README.md does not describe the repair issue "
        "'Out of requests'",
    ),
    Breakage(
        "unlinked_blueprint",
        lambda root: edit(
            root.parent.parent / "README.md", "grid_outage.yaml", "x.yaml", every=True
        ),
        "docs-examples: README.md does not link the blueprint grid_outage.yaml",
    ),
    Breakage(
        "unstated_budget",
        lambda root: edit(root.parent.parent / "README.md", "5,000", "5k", every=True),
        "docs-data-update: README.md does not state the default budget (5000)",
    ),
    Breakage(
        "no_hacs_steps",
        repo_file("README.md", "Custom repositories", "Repositories"),
        "docs-installation-instructions: README.md does not explain adding the HACS "
        "custom repository",
    ),
    Breakage(
        "no_limitations",
        repo_file("README.md", "## Known limitations", "## Limits"),
        "docs-known-limitations: README.md has no section 'known limitations'",
    ),
    Breakage(
        "no_removal",
        repo_file("README.md", "## Removing", "## Goodbye"),
        "docs-removal-instructions: README.md has no section 'removing'",
    ),
    Breakage(
        "no_devices",
        repo_file("README.md", "## Supported devices", "## Devices"),
        "docs-supported-devices: README.md has no section 'supported devices'",
    ),
    Breakage(
        "no_use_cases",
        repo_file("README.md", "## Examples and use cases", "## Ideas"),
        "docs-use-cases: README.md has no section 'examples and use cases'",
    ),
    # config-entry-unloading, stale-devices, diagnostics, brands, integration-owner
    Breakage(
        "no_unload",
        source(
            "__init__.py", "async def async_unload_entry(", "async def unload_entry("
        ),
        "config-entry-unloading: __init__.py has no async_unload_entry",
    ),
    Breakage(
        "platforms_stay",
        source(
            "__init__.py",
            "return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)",
            "return True",
        ),
        "config-entry-unloading: async_unload_entry does not unload the platforms",
    ),
    Breakage(
        "no_device_removal",
        source(
            "__init__.py", "def async_remove_config_entry_device(", "def remove_device("
        ),
        "stale-devices: __init__.py has no async_remove_config_entry_device",
    ),
    Breakage(
        "no_diagnostics",
        delete("diagnostics.py"),
        "diagnostics: diagnostics.py has no async_get_config_entry_diagnostics",
    ),
    Breakage(
        "unredacted_diagnostics",
        source("diagnostics.py", "    return async_redact_data(\n", "    return (\n"),
        "diagnostics: async_get_config_entry_diagnostics does not call "
        "async_redact_data",
    ),
    Breakage(
        "diagnostics_test_gone",
        repo_file(
            "tests/test_diagnostics.py", "def test_diagnostics(", "def diagnostics("
        ),
        "diagnostics: the linked test tests/test_diagnostics.py::test_diagnostics "
        "does not exist",
    ),
    Breakage(
        "brand_icon",
        delete("brand/icon.png"),
        "brands: brand/icon.png is not a 256x256 PNG (None)",
    ),
    Breakage(
        "brand_icon_size",
        lambda root: (root / "brand" / "icon@2x.png").write_bytes(
            (root / "brand" / "icon.png").read_bytes()
        ),
        "brands: brand/icon@2x.png is not a 512x512 PNG ((256, 256))",
    ),
    Breakage(
        "no_owner",
        manifest(lambda m: m.update(codeowners=[])),
        "integration-owner: manifest.json codeowners is []",
    ),
    # Platinum, test-coverage
    Breakage(
        "own_session_class",
        steps(
            source(
                "config_flow.py",
                "from homeassistant.core import callback",
                "from aiohttp import ClientSession\nfrom homeassistant.core import "
                "callback",
            ),
            source(
                "config_flow.py",
                "async_get_clientsession(self.hass),\n            StaticToken(data",
                "ClientSession(),\n            StaticToken(data",
            ),
        ),
        "inject-websession: config_flow.py:119: creates an aiohttp.ClientSession",
    ),
    Breakage(
        "blocking_import",
        source("urls.py", "import os\n", "import os\nimport urllib.request\n"),
        "async-dependency: urls.py:9: imports urllib.request, which blocks",
    ),
    Breakage(
        "sleep",
        source(
            "urls.py",
            "import os\n",
            "import os\nimport time\n\n\ndef nap() -> None:\n    time.sleep(1)\n",
        ),
        "async-dependency: urls.py:13: calls time.sleep",
    ),
    Breakage(
        "not_strict",
        repo_file("pyproject.toml", "strict = true", "strict = false"),
        "strict-typing: pyproject.toml: mypy is not strict",
    ),
    Breakage(
        "low_coverage",
        repo_file("pyproject.toml", "fail_under = 95", "fail_under = 80"),
        "test-coverage: pyproject.toml: coverage fail_under is below 95",
    ),
    # Exemptions
    Breakage(
        "requirements",
        manifest(lambda m: m.update(requirements=["teslapy==1"])),
        "dependency-transparency is exempt, but the manifest has requirements "
        "['teslapy==1']",
    ),
    Breakage(
        "discovery",
        manifest(lambda m: m.update(zeroconf=["_tesla._tcp.local."])),
        "discovery is exempt, but the manifest declares zeroconf",
    ),
    Breakage(
        "condition",
        lambda root: (root / "condition.py").write_text('"""x."""\n'),
        "docs-conditions is exempt, but condition.py exists",
    ),
    Breakage(
        "trigger",
        lambda root: (root / "device_trigger.py").write_text('"""x."""\n'),
        "docs-triggers is exempt, but device_trigger.py exists",
    ),
]


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [pytest.param(b.change, b.expected, id=b.name) for b in BREAKAGES],
)
def test_a_broken_copy_is_caught(
    tmp_path: Path, breakage: Callable[[Path], None], expected: str
) -> None:
    """Break a copy on purpose: the check must notice, with its message."""
    root = copy_repository(tmp_path)
    breakage(root)
    rule = expected.split(" ", maxsplit=1)[0].removesuffix(":")
    with loaded(root) as pkg:
        found = problems(pkg, {rule} if rule in ALL_RULES else set())
    # Source line numbers are left out: they move with every edit of a module.
    expected = without_lines(expected)
    assert any(without_lines(m).startswith(expected) for m in found), found
