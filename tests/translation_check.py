"""Every translation the integration shows at runtime exists, with its placeholders.

As core's check_translations fixture does, flow results, repair issues, exceptions
and entities are checked as tests create them, against translations/en.json (a
custom integration has no strings.json). tests/conftest.py runs it in every test.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import json
from pathlib import Path
import string
from typing import Any
from unittest.mock import patch

from homeassistant.components.repairs.issue_handler import RepairsFlowManager
from homeassistant.config_entries import ConfigEntriesFlowManager, OptionsFlowManager
from homeassistant.data_entry_flow import FlowHandler, FlowManager, FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.selector import SelectSelector

from custom_components.tesla_powerwall3.const import DOMAIN

TRANSLATIONS = Path(__file__).parents[1] / "custom_components" / DOMAIN / "translations"
STRINGS: dict[str, Any] = json.loads((TRANSLATIONS / "en.json").read_text())


class TranslationCheck:
    """Collects what the code shows that the translations lack."""

    def __init__(self, strings: Mapping[str, Any]) -> None:
        """Check against these translations."""
        self.strings = strings
        self.problems: list[str] = []
        self.issues: dict[str, tuple[str, Mapping[str, str]]] = {}

    def need(
        self, path: str, passed: Mapping[str, Any] | None, required: bool = True
    ) -> None:
        """The text at a dotted path exists and gets every placeholder it uses."""
        text: Any = self.strings
        for part in path.split("."):
            text = text.get(part) if isinstance(text, Mapping) else None
        if not isinstance(text, str):
            if required:
                self.problems.append(f"{path} is missing")
            return
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        if missing := used - set(passed or ()):
            self.problems.append(f"{path} uses {sorted(missing)}, which is not passed")

    def flow_result(
        self, prefix: str, result: Mapping[str, Any], shown: Mapping[str, str]
    ) -> None:
        """A form's title, fields, errors and menu, or an abort's reason."""
        passed = {**shown, **(result.get("description_placeholders") or {})}
        kind = result["type"]
        if kind is FlowResultType.ABORT:
            # Home Assistant translates its own reasons (reauth_successful...).
            if result.get("translation_domain", DOMAIN) == DOMAIN:
                self.need(f"{prefix}.abort.{result['reason']}", passed)
            return
        if kind not in (FlowResultType.FORM, FlowResultType.MENU):
            return
        step = f"{prefix}.step.{result['step_id']}"
        self.need(f"{step}.title", passed, required=False)
        self.need(f"{step}.description", passed, required=False)
        if isinstance(menu := result.get("menu_options"), list):
            for option in menu:
                self.need(f"{step}.menu_options.{option}", passed)
        for error in (result.get("errors") or {}).values():
            self.need(f"{prefix}.error.{error}", passed)
        # A menu's schema is only its options, as one next_step_id field.
        schema = result.get("data_schema") if kind is FlowResultType.FORM else None
        for key, selector in schema.schema.items() if schema is not None else ():
            # config-flow is done in quality_scale.yaml: every field is described.
            self.need(f"{step}.data.{key}", passed)
            self.need(f"{step}.data_description.{key}", passed)
            if isinstance(selector, SelectSelector) and (
                name := selector.config.get("translation_key")
            ):
                for option in selector.config["options"]:
                    value = option if isinstance(option, str) else option["value"]
                    self.need(f"selector.{name}.options.{value}", None)

    def flow_prefix(
        self, manager: FlowManager[Any, Any, Any], flow: FlowHandler[Any, Any, Any]
    ) -> tuple[str, Mapping[str, str]] | None:
        """Where a flow of ours is translated, and what it shows beside its own."""
        if isinstance(manager, ConfigEntriesFlowManager) and flow.handler == DOMAIN:
            return "config", {}
        if isinstance(manager, OptionsFlowManager):
            entry = manager.hass.config_entries.async_get_entry(flow.handler)
            return ("options", {}) if entry and entry.domain == DOMAIN else None
        if isinstance(manager, RepairsFlowManager) and flow.handler == DOMAIN:
            # The frontend fills a fix flow's texts with its issue's placeholders too.
            issue_id = getattr(flow, "issue_id", "")
            key, placeholders = self.issues.get(issue_id, (issue_id, {}))
            return f"issues.{key}.fix_flow", placeholders
        return None


@contextmanager
def checking(strings: Mapping[str, Any] = STRINGS) -> Iterator[TranslationCheck]:
    """Check, while in the block, what Home Assistant is made to show."""
    check = TranslationCheck(strings)
    handle_step = FlowManager._async_handle_step
    get_or_create = ir.IssueRegistry.async_get_or_create
    exception_init = HomeAssistantError.__init__
    add_to_platform = Entity.add_to_platform_start

    async def _handle_step(manager: Any, flow: Any, *args: Any) -> Any:
        result = await handle_step(manager, flow, *args)
        if where := check.flow_prefix(manager, flow):
            prefix, shown = where
            check.flow_result(prefix, result, shown)
        return result

    def _get_or_create(registry: Any, *args: Any, **kwargs: Any) -> ir.IssueEntry:
        issue = get_or_create(registry, *args, **kwargs)
        if issue.domain == DOMAIN and (key := issue.translation_key):
            shown = issue.translation_placeholders or {}
            check.issues[issue.issue_id] = (key, shown)
            check.need(f"issues.{key}.title", shown)
            if not issue.is_fixable:  # a fixable one is explained by its fix flow
                check.need(f"issues.{key}.description", shown)
        return issue

    def _exception_init(error: HomeAssistantError, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("translation_domain") == DOMAIN:
            passed = kwargs.get("translation_placeholders")
            check.need(f"exceptions.{kwargs.get('translation_key')}.message", passed)
        exception_init(error, *args, **kwargs)

    def _add_to_platform(entity: Entity, hass: Any, platform: Any, *args: Any) -> None:
        add_to_platform(entity, hass, platform, *args)
        if platform.platform_name == DOMAIN and (key := entity.translation_key):
            base = f"entity.{platform.domain}.{key}"
            check.need(f"{base}.name", entity.translation_placeholders)
            for state in getattr(entity, "options", None) or ():  # of an enum sensor
                check.need(f"{base}.state.{state}", None)

    with (
        patch.object(FlowManager, "_async_handle_step", _handle_step),
        patch.object(ir.IssueRegistry, "async_get_or_create", _get_or_create),
        patch.object(HomeAssistantError, "__init__", _exception_init),
        patch.object(Entity, "add_to_platform_start", _add_to_platform),
    ):
        yield check
