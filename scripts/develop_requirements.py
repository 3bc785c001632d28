"""Print the pinned requirements Home Assistant's UI needs beyond the test stack.

scripts/develop installs them into .venv. The pins come from the manifests of
the installed Home Assistant, so they always match its release: the components
named in config/configuration.yaml, the ones Home Assistant always loads, the
dependencies of this integration, and everything these depend on.
"""

from collections.abc import Iterable
import json
from pathlib import Path
import re
import sys

from homeassistant import bootstrap, components

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = ROOT / "config" / "configuration.yaml"
INTEGRATION = ROOT / "custom_components" / "tesla_powerwall3" / "manifest.json"
COMPONENTS = Path(components.__path__[0])
TOP_LEVEL_KEY = re.compile(r"^([a-z0-9_]+):", re.MULTILINE)


def manifest(domain: str) -> dict[str, list[str]]:
    """Return the manifest of a built-in component, or {} for unknown ones."""
    path = COMPONENTS / domain / "manifest.json"
    if not path.is_file():
        return {}
    loaded: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def requirements(roots: Iterable[str]) -> list[str]:
    """Return the requirements of the roots and of all their dependencies."""
    seen: set[str] = set()
    pending = list(roots)
    found: set[str] = set()
    while pending:
        domain = pending.pop()
        if domain in seen:
            continue
        seen.add(domain)
        data = manifest(domain)
        found.update(data.get("requirements", []))
        pending.extend(data.get("dependencies", []))
    return sorted(found, key=str.lower)


def main() -> None:
    """Print one requirement a line."""
    roots = set(TOP_LEVEL_KEY.findall(CONFIGURATION.read_text(encoding="utf-8")))
    roots |= bootstrap.CORE_INTEGRATIONS | bootstrap.DEFAULT_INTEGRATIONS
    roots |= set(json.loads(INTEGRATION.read_text(encoding="utf-8"))["dependencies"])
    sys.stdout.write("".join(f"{line}\n" for line in requirements(roots)))


if __name__ == "__main__":
    main()
