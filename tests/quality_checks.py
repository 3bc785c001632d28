"""What the integration's code uses, read by introspection and from its syntax tree.

tests/test_metadata.py and tests/test_quality_scale.py compare these facts with
the translations, icons, services.yaml, manifest and quality_scale.yaml. Every
reader works on a `Package`: the integration itself, or a copy of it (with the
repository files the checks read) that a test has broken on purpose.

Where a value cannot be known without running the code (a translation key that
comes from a variable, say), the readers follow it: to the call sites of the
function whose parameter it is, to the constructions of the exception whose
attribute it is, to the members of the enum its type annotation names, to the
return statements of the function that computes it. What still cannot be
followed is reported as a problem, so that no check passes by not looking.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
import functools
import importlib
import importlib.util
import inspect
import json
from pathlib import Path
import re
import shutil
import string
import sys
import types
import typing
from typing import Any

from homeassistant import config_entries
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigFlow, OptionsFlow
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir, service as ha_service
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.selector import Selector, SelectSelector
import probatio as vol
import yaml

REPO = Path(__file__).parent.parent
INTEGRATION = REPO / "custom_components" / "tesla_powerwall3"
PACKAGE = "custom_components.tesla_powerwall3"

DISCOVERY_KEYS = ("bluetooth", "dhcp", "homekit", "mqtt", "ssdp", "usb", "zeroconf")
"""Manifest keys that start a config flow at async_step_<key>."""

type Function = ast.FunctionDef | ast.AsyncFunctionDef


# --- Loading the integration or a copy of it ---------------------------------


@dataclass
class Package:
    """The integration's modules, syntax trees and metadata files."""

    root: Path
    name: str
    modules: dict[str, types.ModuleType]
    """By path below the package: "" for __init__, "sensor", "fleet.client"."""
    trees: dict[str, ast.Module]

    @property
    def repo(self) -> Path:
        """The repository (or the copy of it) around custom_components/."""
        return self.root.parent.parent

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        return _read_json(self.root / "manifest.json")

    @functools.cached_property
    def strings(self) -> dict[str, Any]:
        return _read_json(self.root / "translations" / "en.json")

    @functools.cached_property
    def icons(self) -> dict[str, Any]:
        return _read_json(self.root / "icons.json")

    @functools.cached_property
    def services_yaml(self) -> dict[str, Any]:
        path = self.root / "services.yaml"
        data = yaml.safe_load(path.read_text()) if path.exists() else None
        return data or {}

    @property
    def domain(self) -> str:
        domain: str = self.manifest["domain"]
        return domain

    def module(self, name: str) -> types.ModuleType | None:
        return self.modules.get(name)

    @functools.cached_property
    def reader(self) -> Reader:
        """One reader for all checks, so that what it resolves is resolved once."""
        return Reader(self)

    @functools.cached_property
    def facts(self) -> Facts:
        return read_facts(self)

    @functools.cached_property
    def platforms(self) -> list[str]:
        """The platforms the integration forwards its entries to."""
        return [str(platform) for platform in self.modules[""].PLATFORMS]

    def owns(self, obj: object) -> bool:
        """Whether a function or class is defined in this package."""
        module = getattr(obj, "__module__", None) or ""
        return module == self.name or module.startswith(self.name + ".")

    def where(self, module: str, node: ast.AST) -> str:
        """file:line of a node, relative to the package (or to site-packages)."""
        if module in self.modules:
            path = str(Path(self.modules[module].__file__ or "").relative_to(self.root))
        else:
            path = module.replace(".", "/") + ".py"
        return f"{path}:{getattr(node, 'lineno', '?')}"


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return data


def _module_names(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _import(root: Path, name: str) -> Package:
    modules: dict[str, types.ModuleType] = {}
    trees: dict[str, ast.Module] = {}
    for short, path in _module_names(root):
        trees[short] = ast.parse(path.read_text(), filename=str(path))
        modules[short] = importlib.import_module(f"{name}.{short}" if short else name)
    return Package(root=root, name=name, modules=modules, trees=trees)


@functools.cache
def _integration() -> Package:
    return _import(INTEGRATION, PACKAGE)


@contextmanager
def loaded(root: Path = INTEGRATION) -> Iterator[Package]:
    """Import the integration, or a copy of it under a name of its own."""
    if root.resolve() == INTEGRATION.resolve():
        yield _integration()
        return
    name = f"_quality_copy_{abs(hash(root))}"
    spec = importlib.util.spec_from_file_location(
        name, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None
    assert spec.loader is not None
    # Importing a config flow registers it for its domain: keep the real one.
    handlers = dict(config_entries.HANDLERS)
    sys.modules[name] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(sys.modules[name])
        yield _import(root, name)
    finally:
        config_entries.HANDLERS.clear()
        config_entries.HANDLERS.update(handlers)
        _NODES.clear()
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def without_lines(message: str) -> str:
    """A check's message without the line numbers of the places it names."""
    return re.sub(r"(\.py):\d+", r"\1", message)


def copy_repository(target: Path) -> Path:
    """Copy the integration and the repository files the checks read; return it."""
    root = target / "custom_components" / INTEGRATION.name
    shutil.copytree(
        INTEGRATION, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(REPO / "blueprints", target / "blueprints")
    (target / "tests").mkdir()
    for path in (REPO / "tests").glob("test_*.py"):
        shutil.copy(path, target / "tests" / path.name)
    return root


# --- Following values through the code ----------------------------------------


class _Self:
    """A parameter bound to the flow instance being read."""


SELF = _Self()


@dataclass(frozen=True)
class Arg:
    """A parameter bound to an argument of a call (read in the caller's scope)."""

    expr: ast.expr
    scope: Scope


@dataclass(frozen=True)
class Kwargs:
    """A **kwargs parameter bound to the keyword names of a call."""

    names: frozenset[str]


type Binding = _Self | Arg | Kwargs


@dataclass(frozen=True)
class Scope:
    """A function being read, and what its parameters are bound to."""

    fn: Function
    module: types.ModuleType
    short: str
    """The module's path in the package, or its full name outside it."""
    bound: Mapping[str, Binding] = field(default_factory=dict)
    flow: type | None = None
    """The class whose methods a parameter bound to SELF calls."""
    site: str = ""
    """Where the function is called from, when read for one call."""

    @property
    def self_names(self) -> set[str]:
        return {name for name, value in self.bound.items() if value is SELF}


class _Unknown:
    """What evaluate() returns for an expression it cannot evaluate."""


UNKNOWN = _Unknown()
_EVALUABLE = (
    ast.Name,
    ast.Attribute,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.keyword,
    ast.Call,
    ast.Load,
    ast.Subscript,
    ast.Slice,
)


def params(fn: Function) -> list[str]:
    args = fn.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _local_names(fn: Function) -> set[str]:
    """Names the function binds itself (imports aside, which evaluate() reads)."""
    names = set(params(fn))
    for node in _own_nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, (ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef))
            and node is not fn
            and node.name
        ):
            names.add(node.name)
    return names


_NODES: dict[int, tuple[Function, tuple[ast.AST, ...]]] = {}


def _own_nodes(fn: Function) -> tuple[ast.AST, ...]:
    """The nodes of a function, including its nested functions (read once).

    Kept by the function's id, with the function, so that a function read
    before and freed since cannot lend its nodes to a new one with its id;
    emptied when a copy of the integration is unloaded.
    """
    known = _NODES.get(id(fn))
    if known is None or known[0] is not fn:
        known = _NODES[id(fn)] = (fn, tuple(ast.walk(fn)))
    return known[1]


class Reader:
    """Resolves what expressions in the package's code can be."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.problems: list[str] = []
        self._trees: dict[str, ast.Module] = {}
        self._calls: list[tuple[ast.Call, Scope]] | None = None
        self._defs: dict[str, dict[str, list[Function]]] = {}
        self._locals: dict[int, set[str]] = {}
        self._namespaces: dict[tuple[int, str], dict[str, Any]] = {}
        self._values: dict[tuple[int, int, str], object] = {}

    # Where code lives

    def tree_of_file(self, path: str) -> ast.Module:
        if path not in self._trees:
            self._trees[path] = ast.parse(Path(path).read_text(), filename=path)
        return self._trees[path]

    def scope_of(
        self,
        function: Callable[..., Any],
        bound: Mapping[str, Binding] | None = None,
        flow: type | None = None,
    ) -> Scope | None:
        """The syntax of a Python function, as a scope."""
        function = inspect.unwrap(function)
        path = inspect.getsourcefile(function)
        code = getattr(function, "__code__", None)
        if path is None or code is None:
            return None
        module = sys.modules[function.__module__]
        short = function.__module__
        if self.pkg.owns(function):
            short = function.__module__.removeprefix(self.pkg.name).lstrip(".")
        for node in self._definitions(path).get(function.__name__, []):
            if code.co_firstlineno in {
                node.lineno,
                *(d.lineno for d in node.decorator_list),
            }:
                return Scope(node, module, short, bound or {}, flow)
        return None

    def _definitions(self, path: str) -> dict[str, list[Function]]:
        if path not in self._defs:
            self._defs[path] = {}
            for node in ast.walk(self.tree_of_file(path)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._defs[path].setdefault(node.name, []).append(node)
        return self._defs[path]

    def where(self, scope: Scope, node: ast.AST) -> str:
        return self.pkg.where(scope.short, node)

    def calls(self) -> list[tuple[ast.Call, Scope]]:
        """Every call in a function of the package, with its scope."""
        if self._calls is None:
            self._calls = []
            for short, tree in self.pkg.trees.items():
                module = self.pkg.modules[short]
                for fn in ast.walk(tree):
                    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        scope = Scope(fn, module, short)
                        self._calls += [
                            (node, scope)
                            for node in self._direct_nodes(fn)
                            if isinstance(node, ast.Call)
                        ]
        return self._calls

    @staticmethod
    def _direct_nodes(fn: Function) -> Iterator[ast.AST]:
        """The nodes of a function, without those of its nested functions."""
        todo: list[ast.AST] = list(ast.iter_child_nodes(fn))
        while todo:
            node = todo.pop()
            yield node
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                todo += ast.iter_child_nodes(node)

    # Values

    def evaluate(self, expr: ast.expr, scope: Scope) -> object:
        """The value of an expression made of module-level names, or UNKNOWN.

        Calls are only evaluated when they construct an object (selectors,
        schemas), never when they would run the integration's functions.
        """
        if isinstance(expr, ast.Constant):  # also those made up while reading
            return expr.value
        key = (id(expr), id(scope.fn), scope.module.__name__)
        if key not in self._values:
            self._values[key] = self._evaluate(expr, scope)
        return self._values[key]

    def _evaluate(self, expr: ast.expr, scope: Scope) -> object:
        if id(scope.fn) not in self._locals:
            self._locals[id(scope.fn)] = _local_names(scope.fn)
        local = self._locals[id(scope.fn)]
        for node in ast.walk(expr):
            if not isinstance(node, _EVALUABLE) or (
                isinstance(node, ast.Name) and node.id in local
            ):
                return UNKNOWN
            if isinstance(node, ast.Call) and not isinstance(
                self.evaluate(node.func, scope), type
            ):
                return UNKNOWN
        namespace = self._namespace(scope)
        if isinstance(expr, ast.Name):  # the common cases, without compiling
            return namespace.get(expr.id, UNKNOWN)
        if isinstance(expr, ast.Attribute) and isinstance(
            expr.value, ast.Name | ast.Attribute
        ):
            base = self.evaluate(expr.value, scope)
            return UNKNOWN if base is UNKNOWN else getattr(base, expr.attr, UNKNOWN)
        try:
            code = compile(ast.Expression(expr), "<quality check>", "eval")
            return eval(code, namespace)  # noqa: S307
        except Exception:  # noqa: BLE001
            return UNKNOWN

    def _namespace(self, scope: Scope) -> dict[str, Any]:
        """The module's globals, with what the function imports itself."""
        key = (id(scope.fn), scope.module.__name__)
        if key in self._namespaces:
            return self._namespaces[key]
        imports = [n for n in _own_nodes(scope.fn) if isinstance(n, ast.ImportFrom)]
        namespace = dict(vars(scope.module)) if imports else vars(scope.module)
        for node in imports:
            source = importlib.import_module(
                "." * node.level + (node.module or ""),
                scope.module.__package__ if node.level else None,
            )
            for alias in node.names:
                namespace[alias.asname or alias.name] = getattr(source, alias.name)
        self._namespaces[key] = namespace
        return namespace

    def callee(self, call: ast.Call, scope: Scope) -> Scope | None:
        """The function a call runs, bound to the call's arguments."""
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in scope.self_names
            and scope.flow is not None
        ):
            method = getattr(scope.flow, func.attr, None)
            if not inspect.isfunction(method):
                return None
            target = self.scope_of(method, flow=scope.flow)
            skip_self = not isinstance(
                inspect.getattr_static(scope.flow, func.attr), staticmethod
            )
        else:
            value = self.evaluate(func, scope)
            if not inspect.isfunction(value):
                return None
            target = self.scope_of(value, flow=scope.flow)
            skip_self = False
        if target is None:
            return None
        return Scope(
            target.fn,
            target.module,
            target.short,
            self.bind(target.fn, call, scope, skip_self=skip_self),
            scope.flow,
        )

    def bind(
        self, fn: Function, call: ast.Call, caller: Scope, *, skip_self: bool
    ) -> dict[str, Binding]:
        args = fn.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        bound: dict[str, Binding] = {}
        if skip_self and positional:
            bound[positional.pop(0)] = SELF
        for name, expr in zip(positional, call.args, strict=False):
            if isinstance(expr, ast.Starred):
                break
            bound[name] = self._argument(expr, caller)
        extra: set[str] = set()
        known = set(params(fn))
        for keyword in call.keywords:
            if keyword.arg is None:
                continue
            if keyword.arg in known:
                bound[keyword.arg] = self._argument(keyword.value, caller)
            else:
                extra.add(keyword.arg)
        if args.kwarg is not None:
            bound[args.kwarg.arg] = Kwargs(frozenset(extra))
        return bound

    @staticmethod
    def _argument(expr: ast.expr, caller: Scope) -> Binding:
        if isinstance(expr, ast.Name) and expr.id in caller.self_names:
            return SELF
        return Arg(expr, caller)

    def call_sites(self, scope: Scope) -> list[Scope]:
        """The scope bound to each call of a module-level function of the package."""
        function = vars(scope.module).get(scope.fn.name)
        if not inspect.isfunction(function):
            return []
        return [
            Scope(
                scope.fn,
                scope.module,
                scope.short,
                self.bind(scope.fn, call, caller, skip_self=False),
                scope.flow,
                self.where(caller, call),
            )
            for call, caller in self.calls()
            if self.evaluate(call.func, caller) is function
        ]

    def _assigned(self, name: str, scope: Scope) -> list[ast.expr]:
        """The values a local name is assigned in a function."""
        values: list[ast.expr] = []
        for node in _own_nodes(scope.fn):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
                targets = [node.target]
            value = getattr(node, "value", None)
            if isinstance(value, ast.expr) and any(
                isinstance(t, ast.Name) and t.id == name for t in targets
            ):
                values.append(value)
        return values

    def _unbound_param(self, name: str, scope: Scope) -> bool:
        return name in params(scope.fn) and name not in scope.bound

    def strings(self, expr: ast.expr, scope: Scope, depth: int = 0) -> set[str] | None:
        """Every string an expression can be, or None when that cannot be told."""
        if depth > 12:
            return None
        result: set[str] | None = None
        match expr:
            case ast.Constant(value=str() as text):
                result = {text}
            case ast.IfExp(body=body, orelse=orelse):
                result = self._union(
                    [
                        self.strings(body, scope, depth + 1),
                        self.strings(orelse, scope, depth + 1),
                    ]
                )
            case ast.Await(value=value):
                result = self.strings(value, scope, depth + 1)
            case ast.Name(id=name) if isinstance(scope.bound.get(name), Arg):
                bound = scope.bound[name]
                assert isinstance(bound, Arg)
                result = self.strings(bound.expr, bound.scope, depth + 1)
            case ast.Name(id=name) if self._unbound_param(name, scope):
                sites = self.call_sites(scope)
                result = (
                    self._union([self.strings(expr, site, depth + 1) for site in sites])
                    if sites
                    else None
                )
            case ast.Name(id=name) if values := self._assigned(name, scope):
                result = self._union(
                    [self.strings(value, scope, depth + 1) for value in values]
                )
            case ast.Attribute(value=base, attr="value") if isinstance(
                kind := self.type_of(base, scope), type
            ) and issubclass(kind, Enum):
                result = {str(member.value) for member in kind}
            case ast.Attribute(value=base, attr=attr) if isinstance(
                kind := self.type_of(base, scope), type
            ) and self.pkg.owns(kind):
                result = self._attribute_strings(kind, attr, depth)
            case ast.Call() if (callee := self.callee(expr, scope)) is not None:
                result = self._union(
                    [
                        self.strings(value, callee, depth + 1)
                        for value in self.returns(callee)
                    ]
                )
        if result is None:
            constant = self.evaluate(expr, scope)
            plain = constant.value if isinstance(constant, Enum) else constant
            if isinstance(plain, str):
                result = {plain}
        return result

    @staticmethod
    def _union(parts: list[set[str] | None]) -> set[str] | None:
        if any(part is None for part in parts):
            return None
        return set().union(*(part for part in parts if part is not None))

    def returns(self, scope: Scope) -> list[ast.expr]:
        return [
            node.value
            for node in self._direct_nodes(scope.fn)
            if isinstance(node, ast.Return) and node.value is not None
        ]

    def _attribute_strings(self, kind: type, attr: str, depth: int) -> set[str] | None:
        """What an attribute of a package class can be, from its constructions.

        For a class whose __init__ stores a parameter (self.key = key), read the
        argument of every construction of the class in the package.
        """
        init = (
            self.scope_of(vars(kind)["__init__"]) if "__init__" in vars(kind) else None
        )
        if init is None:
            return None
        stored = {
            node.value.id
            for node in self._direct_nodes(init.fn)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and any(
                isinstance(t, ast.Attribute) and t.attr == attr for t in node.targets
            )
        }
        if len(stored) != 1:
            return None
        (param,) = stored
        parts: list[set[str] | None] = []
        for call, caller in self.calls():
            if self.evaluate(call.func, caller) is kind:
                bound = self.bind(init.fn, call, caller, skip_self=True).get(param)
                parts.append(
                    self.strings(bound.expr, bound.scope, depth + 1)
                    if isinstance(bound, Arg)
                    else None
                )
        return self._union(parts)

    def type_of(self, expr: ast.expr, scope: Scope) -> type | None:
        """The class an expression is, from annotations and except clauses."""
        match expr:
            case ast.Name(id=name) if isinstance(scope.bound.get(name), Arg):
                bound = scope.bound[name]
                assert isinstance(bound, Arg)
                return self.type_of(bound.expr, bound.scope)
            case ast.Name(id=name):
                for node in _own_nodes(scope.fn):
                    if isinstance(node, ast.ExceptHandler) and node.name == name:
                        kind = self.evaluate(node.type, scope) if node.type else UNKNOWN
                        return kind if isinstance(kind, type) else None
                values = self._assigned(name, scope)
                if len(values) == 1:
                    return self.type_of(values[0], scope)
            case ast.Await(value=value):
                return self.type_of(value, scope)
            case ast.Call(func=func):
                function = self.evaluate(func, scope)
                if isinstance(function, type):
                    return function
                if inspect.isfunction(function):
                    return _plain_type(typing.get_type_hints(function).get("return"))
            case ast.Attribute(value=base, attr=attr):
                kind = self.type_of(base, scope)
                if kind is not None:
                    return _plain_type(typing.get_type_hints(kind).get(attr))
        return None

    def keys(  # noqa: PLR0912 (a case per kind of expression)
        self, expr: ast.expr | None, scope: Scope, depth: int = 0
    ) -> set[str] | None:
        """The keys a mapping (placeholders, say) can have, or None if unknown."""
        if expr is None:
            return set()
        if depth > 12:
            return None
        match expr:
            case ast.Constant(value=None):
                return set()
            case ast.Dict(keys=keys, values=values):
                found: set[str] = set()
                for key, value in zip(keys, values, strict=True):
                    part = (
                        self.keys(value, scope, depth + 1)
                        if key is None
                        else self.strings(key, scope, depth + 1)
                    )
                    if part is None:
                        return None
                    found |= part
                return found
            case ast.BoolOp(op=ast.Or(), values=values):
                return self._union([self.keys(v, scope, depth + 1) for v in values])
            case ast.Name(id=name) if isinstance(
                kwargs := scope.bound.get(name), Kwargs
            ):
                return set(kwargs.names)
            case ast.Name(id=name) if isinstance(scope.bound.get(name), Arg):
                bound = scope.bound[name]
                assert isinstance(bound, Arg)
                return self.keys(bound.expr, bound.scope, depth + 1)
            case ast.Name(id=name) if self._unbound_param(name, scope):
                return None
            case ast.Name(id=name) if values := self._assigned(name, scope):
                parts = [self.keys(value, scope, depth + 1) for value in values]
                parts += [
                    self.strings(node.slice, scope, depth + 1)
                    for node in _own_nodes(scope.fn)
                    if isinstance(node, ast.Subscript)
                    and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == name
                ]
                return self._union(parts)
            case ast.Call() if (callee := self.callee(expr, scope)) is not None:
                return self._union(
                    [
                        self.keys(value, callee, depth + 1)
                        for value in self.returns(callee)
                    ]
                )
        mapping = self.evaluate(expr, scope)
        if isinstance(mapping, Mapping):
            return {str(key) for key in mapping}
        return None

    def values(self, expr: ast.expr | None, scope: Scope) -> set[str] | None:
        """The values a str-to-str mapping (a flow's errors) can have."""
        match expr:
            case None | ast.Constant(value=None):
                return set()
            case ast.Dict(values=values):
                return self._union([self.strings(value, scope) for value in values])
            case ast.Name(id=name) if isinstance(scope.bound.get(name), Arg):
                bound = scope.bound[name]
                assert isinstance(bound, Arg)
                return self.values(bound.expr, bound.scope)
            case ast.Name(id=name):
                parts = [self.values(v, scope) for v in self._assigned(name, scope)]
                parts += [
                    self.strings(node.value, scope)
                    for node in _own_nodes(scope.fn)
                    if isinstance(node, ast.Assign)
                    for target in node.targets
                    if isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == name
                ]
                return self._union(parts)
        return None


def _plain_type(annotation: object) -> type | None:
    """The class of an annotation, leaving out None (X | None is X)."""
    if isinstance(annotation, typing.TypeAliasType):
        annotation = annotation.__value__
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if (
        typing.get_origin(annotation) in {typing.Union, types.UnionType}
        and len(args) == 1
    ):
        annotation = args[0]
    return annotation if isinstance(annotation, type) else None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def placeholders_in(text: object) -> set[str]:
    """The {placeholders} of a translation."""
    if not isinstance(text, str):
        return set()
    return {
        name.split("!")[0].split(":")[0]
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }


# --- Facts: config, options and repair flows ----------------------------------


@dataclass
class Form:
    """A form or menu a flow shows."""

    kind: str  # "form" or "menu"
    where: str
    fields: list[str] | None = None
    selectors: dict[str, Selector[Any]] = field(default_factory=dict)
    menu_options: list[str] = field(default_factory=list)
    placeholders: set[str] | None = field(default_factory=set)
    errors: set[str] | None = field(default_factory=set)


@dataclass
class Flow:
    """What one flow class can show, with its translations' prefix."""

    prefix: str
    cls: type
    forms: dict[str, Form] = field(default_factory=dict)
    aborts: dict[str, set[str] | None] = field(default_factory=dict)
    """Reasons the integration translates, with the placeholders passed."""
    central_aborts: set[str] = field(default_factory=set)
    """Reasons Home Assistant translates itself (translation_domain homeassistant)."""
    creates_entries: bool = False
    steps: set[str] = field(default_factory=set)
    """Every step reached."""
    calls: set[str] = field(default_factory=set)
    """Every method of the flow the reached steps call (async_set_unique_id...)."""


_FLOW_BASES = {*ConfigFlow.__mro__, *OptionsFlow.__mro__, *RepairsFlow.__mro__}


class FlowReader:
    """Follows a flow from its first steps through everything they call."""

    def __init__(self, reader: Reader, flow: Flow, entry_steps: list[str]) -> None:
        self.reader = reader
        self.flow = flow
        self.seen: set[tuple[str, str]] = set()
        for step in entry_steps:
            if self._defined_here(f"async_step_{step}"):
                self._step(step)

    def _defined_here(self, name: str) -> bool:
        for cls in self.flow.cls.__mro__:
            if name in vars(cls):
                return cls not in _FLOW_BASES
        return False

    def _step(self, step: str) -> None:
        method = getattr(self.flow.cls, f"async_step_{step}", None)
        if method is None or not self._defined_here(f"async_step_{step}"):
            self.reader.problems.append(
                f"{self.flow.prefix}: step {step!r} is reached but "
                f"{self.flow.cls.__name__} has no async_step_{step}"
            )
            return
        self.flow.steps.add(step)
        scope = self.reader.scope_of(method, flow=self.flow.cls)
        if scope is not None:
            fn = scope.fn
            first = fn.args.args[0].arg if fn.args.args else "self"
            self._read(
                Scope(fn, scope.module, scope.short, {first: SELF}, self.flow.cls)
            )

    def _read(self, scope: Scope) -> None:
        key = (
            f"{scope.module.__name__}.{scope.fn.name}:{scope.fn.lineno}",
            repr(
                sorted(
                    (k, ast.dump(v.expr))
                    for k, v in scope.bound.items()
                    if isinstance(v, Arg)
                )
            ),
        )
        if key in self.seen:
            return
        self.seen.add(key)
        for node in _own_nodes(scope.fn):
            if isinstance(node, ast.Call):
                self._call(node, scope)

    def _call(self, call: ast.Call, scope: Scope) -> None:
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in scope.self_names
        ):
            self.flow.calls.add(func.attr)
            self._method(func.attr, call, scope)
            return
        kind = self.reader.evaluate(func, scope)
        if isinstance(kind, type) and issubclass(kind, AbortFlow):
            reason = call.args[0] if call.args else keyword(call, "reason")
            self._abort(call, scope, reason, keyword(call, "translation_domain"))
        elif any(
            isinstance(a, ast.Name) and a.id in scope.self_names
            for a in (*call.args, *(k.value for k in call.keywords))
        ) and (callee := self.reader.callee(call, scope)):
            # A helper of the package that shows a form for the flow.
            self._read(callee)

    def _method(self, name: str, call: ast.Call, scope: Scope) -> None:
        """A call of a method of the flow: what the flow can show or do next."""
        if name in {"async_show_form", "async_show_menu"}:
            self._form(call, scope, name.removeprefix("async_show_"))
        elif name == "async_abort":
            self._abort(call, scope, keyword(call, "reason"), None)
        elif name in {"_abort_if_unique_id_configured", "_abort_if_unique_id_mismatch"}:
            argument = "error" if name.endswith("configured") else "reason"
            default = inspect.signature(getattr(self.flow.cls, name)).parameters[
                argument
            ]
            self._abort(
                call,
                scope,
                keyword(call, argument) or ast.Constant(default.default),
                None,
            )
        elif name == "async_update_reload_and_abort":
            if (reason := keyword(call, "reason")) is not None:
                self._abort(call, scope, reason, None)
            else:  # Home Assistant's reauth_successful or reconfigure_successful
                self.flow.central_aborts |= {
                    "reauth_successful",
                    "reconfigure_successful",
                }
        elif name == "async_create_entry":
            self.flow.creates_entries = True
        elif name in {"async_external_step_done", "async_show_progress_done"}:
            self._next(keyword(call, "next_step_id"), scope, call)
        elif name.startswith("async_step_"):
            self._step(name.removeprefix("async_step_"))
        elif self._defined_here(name) and (callee := self.reader.callee(call, scope)):
            self._read(callee)

    def _next(self, expr: ast.expr | None, scope: Scope, call: ast.Call) -> None:
        steps = self.reader.strings(expr, scope) if expr is not None else None
        if steps is None:
            self.reader.problems.append(
                f"{self.reader.where(scope, call)}: cannot tell the next step"
            )
            return
        for step in steps:
            self._step(step)

    def _abort(
        self,
        call: ast.Call,
        scope: Scope,
        reason: ast.expr | None,
        domain: ast.expr | None,
    ) -> None:
        reader = self.reader
        reasons = reader.strings(reason, scope) if reason is not None else None
        if reasons is None:
            reader.problems.append(
                f"{reader.where(scope, call)}: cannot tell the abort reason"
            )
            return
        placeholders = reader.keys(keyword(call, "description_placeholders"), scope)
        for text in reasons:
            if self._translated_centrally(text, domain, scope):
                self.flow.central_aborts.add(text)
            else:
                self.flow.aborts[text] = placeholders

    def _translated_centrally(
        self, reason: str, domain: ast.expr | None, scope: Scope
    ) -> bool:
        """Whether the flow class hands this reason to Home Assistant to translate.

        Asked of the class itself: an OAuth2 flow's async_abort sets
        translation_domain homeassistant for the reasons core translates.
        """
        if domain is not None:
            return self.reader.strings(domain, scope) != {self.reader.pkg.domain}
        flow: Any = object.__new__(self.flow.cls)
        result = flow.async_abort(reason=reason)
        return result.get("translation_domain") not in {None, self.reader.pkg.domain}

    def _form(self, call: ast.Call, scope: Scope, kind: str) -> None:  # noqa: PLR0912
        """Record a form or menu: its step, fields, errors and placeholders."""
        reader = self.reader
        where = reader.where(scope, call)
        step_expr = keyword(call, "step_id")
        steps = reader.strings(step_expr, scope) if step_expr is not None else None
        if steps is None or len(steps) != 1:
            reader.problems.append(f"{where}: cannot tell the step_id of the {kind}")
            return
        (step,) = steps
        form = Form(kind, where)
        form.placeholders = reader.keys(
            keyword(call, "description_placeholders"), scope
        )
        if form.placeholders is None:
            reader.problems.append(f"{where}: cannot tell the description placeholders")
        if kind == "menu":
            options = keyword(call, "menu_options")
            value = reader.evaluate(options, scope) if options is not None else None
            if isinstance(value, list):
                form.menu_options = [str(option) for option in value]
            elif not isinstance(value, dict):  # a dict labels its options inline
                reader.problems.append(f"{where}: cannot tell the menu options")
            for option in form.menu_options:
                self._step(option)
        else:
            schema = keyword(call, "data_schema")
            fields = self._fields(schema, scope) if schema is not None else ([], {})
            if fields is None:
                reader.problems.append(f"{where}: cannot tell the form's fields")
            else:
                form.fields, form.selectors = fields
            form.errors = reader.values(keyword(call, "errors"), scope)
            if form.errors is None:
                reader.problems.append(f"{where}: cannot tell the form's errors")
            if not self._defined_here(f"async_step_{step}"):
                reader.problems.append(
                    f"{where}: the form of step {step!r} is submitted to "
                    f"async_step_{step}, which {self.flow.cls.__name__} lacks"
                )
        known = self.flow.forms.get(step)
        if known is not None:  # shown from several places (a shared helper)
            form.fields = sorted({*(known.fields or []), *(form.fields or [])})
            form.selectors |= known.selectors
            form.errors = Reader._union([known.errors, form.errors])
            if known.placeholders is not None and form.placeholders is not None:
                form.placeholders &= known.placeholders
        self.flow.forms[step] = form

    def _fields(
        self, expr: ast.expr, scope: Scope
    ) -> tuple[list[str], dict[str, Selector[Any]]] | None:
        reader = self.reader
        value = reader.evaluate(expr, scope)
        if isinstance(value, vol.Schema):
            fields = {str(key): item for key, item in value.schema.items()}
            return list(fields), {
                key: item for key, item in fields.items() if isinstance(item, Selector)
            }
        match expr:
            case ast.Call(
                func=ast.Attribute(attr="add_suggested_values_to_schema"),
                args=[schema, *_],
            ):
                return self._fields(schema, scope)
            case ast.Call(args=[ast.Dict(keys=keys, values=values)]) if (
                reader.evaluate(expr.func, scope) is vol.Schema
            ):
                names: list[str] = []
                selectors: dict[str, Selector[Any]] = {}
                for key, item in zip(keys, values, strict=True):
                    marker = (
                        key.args[0] if isinstance(key, ast.Call) and key.args else key
                    )
                    name = reader.strings(marker, scope) if marker else None
                    if name is None or len(name) != 1:
                        return None
                    names += name
                    selector = reader.evaluate(item, scope)
                    if isinstance(selector, Selector):
                        selectors[next(iter(name))] = selector
                return names, selectors
            case ast.Name(id=name) if isinstance(scope.bound.get(name), Arg):
                bound = scope.bound[name]
                assert isinstance(bound, Arg)
                return self._fields(bound.expr, bound.scope)
        return None


def select_options(form: Form) -> Iterator[tuple[str, str, str]]:
    """(field, translation_key, option) of each translated select of a form."""
    for name, selector in sorted(form.selectors.items()):
        key = selector.config.get("translation_key")
        if isinstance(selector, SelectSelector) and key:
            for option in selector.config["options"]:
                value = option["value"] if isinstance(option, dict) else option
                yield name, key, str(value)


def flows(pkg: Package, reader: Reader) -> list[Flow]:
    """The config flow, the options flows and the repair flows, followed through."""
    found: list[Flow] = []
    discovery = [key for key in DISCOVERY_KEYS if key in pkg.manifest]
    for cls in _package_classes(pkg):
        if issubclass(cls, ConfigFlow):
            flow = Flow("config", cls)
            FlowReader(reader, flow, ["user", "reauth", "reconfigure", *discovery])
            found.append(flow)
        elif issubclass(cls, OptionsFlow):
            flow = Flow("options", cls)
            FlowReader(reader, flow, ["init"])
            found.append(flow)
    for issue in issues(pkg, reader):
        if issue.fixable:
            for cls in repair_flows(pkg, reader):
                flow = Flow(f"issues.{issue.key}.fix_flow", cls)
                FlowReader(reader, flow, ["init"])
                found.append(flow)
    return found


def _package_classes(pkg: Package) -> list[type]:
    return [
        value
        for module in pkg.modules.values()
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def repair_flows(pkg: Package, reader: Reader) -> list[type]:
    """The classes async_create_fix_flow returns."""
    repairs = pkg.module("repairs")
    create = getattr(repairs, "async_create_fix_flow", None)
    scope = reader.scope_of(create) if create is not None else None
    if scope is None:
        return []
    classes: list[type] = []
    for value in reader.returns(scope):
        target = value.func if isinstance(value, ast.Call) else value
        kind = reader.evaluate(target, scope)
        if isinstance(kind, type) and issubclass(kind, RepairsFlow):
            classes.append(kind)
        else:
            reader.problems.append(
                f"{reader.where(scope, value)}: cannot tell which repair flow this is"
            )
    return classes


# --- Facts: exceptions, issues, services --------------------------------------


@dataclass(frozen=True)
class Translated:
    """A translation key the code uses, with the placeholders it passes."""

    key: str
    placeholders: frozenset[str] | None
    where: str
    fixable: bool = False
    kind: str = ""
    """The exception's class."""


def exceptions(pkg: Package, reader: Reader) -> list[Translated]:
    """Every Home Assistant exception the package raises (or returns to raise)."""
    found: list[Translated] = []
    for call, scope in reader.calls():
        kind = reader.evaluate(call.func, scope)
        if not (isinstance(kind, type) and issubclass(kind, HomeAssistantError)):
            continue
        where = reader.where(scope, call)
        domain = keyword(call, "translation_domain")
        missing = [
            name
            for name in ("translation_domain", "translation_key")
            if keyword(call, name) is None
        ]
        if missing or domain is None:
            reader.problems.append(
                f"{where}: {kind.__name__} is raised without {' and '.join(missing)}"
            )
            continue
        if reader.strings(domain, scope) != {pkg.domain}:
            reader.problems.append(f"{where}: translation_domain is not {pkg.domain}")
        found += [
            Translated(t.key, t.placeholders, t.where, kind=kind.__name__)
            for t in _translated(reader, call, scope, "translation_placeholders")
        ]
    return found


def issues(pkg: Package, reader: Reader) -> list[Translated]:
    """Every repair issue the package creates."""
    found: list[Translated] = []
    for call, scope in reader.calls():
        if reader.evaluate(call.func, scope) is not ir.async_create_issue:
            continue
        fixable = keyword(call, "is_fixable")
        value = reader.evaluate(fixable, scope) if fixable is not None else UNKNOWN
        if not isinstance(value, bool):
            reader.problems.append(
                f"{reader.where(scope, call)}: cannot tell whether it is fixable"
            )
            value = False
        found += [
            Translated(t.key, t.placeholders, t.where, value)
            for t in _translated(reader, call, scope, "translation_placeholders")
        ]
    return found


def _translated(
    reader: Reader, call: ast.Call, scope: Scope, placeholders: str
) -> list[Translated]:
    """The keys a call passes as translation_key, each with its placeholders.

    When the key is a parameter (raise _invalid("key", detail=...)), read each
    call of the function, so that every key keeps its own placeholders.
    """
    expr = keyword(call, "translation_key")
    assert expr is not None
    contexts = [scope]
    if isinstance(expr, ast.Name) and reader._unbound_param(expr.id, scope):
        contexts = reader.call_sites(scope)
    found: list[Translated] = []
    for context in contexts:
        where = context.site or reader.where(context, call)
        keys = reader.strings(expr, context)
        if keys is None:
            reader.problems.append(f"{where}: cannot tell the translation_key")
            continue
        passed = reader.keys(keyword(call, placeholders), context)
        found += [
            Translated(key, None if passed is None else frozenset(passed), where)
            for key in sorted(keys)
        ]
    return found


@dataclass(frozen=True)
class Service:
    """A service the integration registers, with its schema."""

    name: str
    schema: vol.Schema
    where: str
    function: str
    """The function that registers it (for action-setup)."""


def services(pkg: Package, reader: Reader) -> list[Service]:
    found: list[Service] = []
    for call, scope in reader.calls():
        func = reader.evaluate(call.func, scope)
        if func is ha_service.async_register_admin_service:
            args = call.args[1:3]
        elif (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "async_register"
            and isinstance(call.func.value, ast.Attribute)
            and call.func.value.attr == "services"
        ):
            args = call.args[0:2]
        else:
            continue
        where = reader.where(scope, call)
        domain = reader.strings(args[0], scope) if args else None
        names = reader.strings(args[1], scope) if len(args) > 1 else None
        schema = keyword(call, "schema")
        value = reader.evaluate(schema, scope) if schema is not None else UNKNOWN
        if domain != {pkg.domain} or names is None or len(names) != 1:
            reader.problems.append(f"{where}: cannot tell which service this registers")
        elif not isinstance(value, vol.Schema):
            reader.problems.append(f"{where}: the service has no schema to read")
        else:
            found.append(Service(next(iter(names)), value, where, scope.fn.name))
    return found


def reachable_functions(pkg: Package, reader: Reader, function: object) -> set[str]:
    """Names of the package's functions a function calls, directly or not."""
    start = reader.scope_of(function) if inspect.isfunction(function) else None
    todo = [start] if start is not None else []
    seen: set[str] = set()
    while todo:
        scope = todo.pop()
        if scope.fn.name in seen:
            continue
        seen.add(scope.fn.name)
        for node in _own_nodes(scope.fn):
            if isinstance(node, ast.Call):
                value = reader.evaluate(node.func, scope)
                if inspect.isfunction(value) and pkg.owns(value):
                    target = reader.scope_of(value)
                    if target is not None:
                        todo.append(target)
    return seen


# --- Facts: entities -----------------------------------------------------------


@dataclass(frozen=True)
class EntityKey:
    """An entity translation_key of a platform."""

    platform: str
    key: str
    options: tuple[str, ...] | None
    device_class: str | None
    source: str
    icon_in_code: bool = False
    """Whether its entity description sets an icon (rather than icons.json)."""


def entity_keys(pkg: Package, reader: Reader) -> list[EntityKey]:
    """The translation keys of every entity the platforms can create.

    From the entity descriptions of each platform module (the entities use a
    description's translation_key, or else its key), and from the entity
    classes that take no description and pass a literal key to their base.
    The real-setup test in test_quality_scale checks that every entity it sees
    has one of these keys.
    """
    found: list[EntityKey] = []
    for platform in pkg.platforms:
        module = pkg.modules.get(platform)
        if module is None:
            continue
        for name, value in vars(module).items():
            items = value if isinstance(value, (tuple, list)) else (value,)
            for description in items:
                if isinstance(description, EntityDescription):
                    options = getattr(description, "options", None)
                    found.append(
                        EntityKey(
                            platform,
                            description.translation_key or description.key,
                            tuple(options) if options is not None else None,
                            getattr(description, "device_class", None),
                            f"{platform}.{name}",
                            description.icon is not None,
                        )
                    )
        for cls in entity_classes(pkg, module):
            found += _class_keys(pkg, reader, platform, cls)
    return found


def entity_classes(pkg: Package, module: types.ModuleType) -> list[type[Entity]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Entity)
        and value.__module__ == module.__name__
    ]


def class_default(cls: type, attr: str) -> object:
    """The class-level value of an entity's _attr_<attr>, or None.

    Home Assistant's entity metaclass turns `_attr_x = value` in a class body
    into a property and keeps the value as `__attr_x`.
    """
    for base in cls.__mro__:
        namespace = vars(base)
        if f"__attr_{attr}" in namespace:
            return namespace[f"__attr_{attr}"]
        value = namespace.get(f"_attr_{attr}")
        if value is not None and not isinstance(value, property):
            return value
    return None


def _class_keys(
    pkg: Package, reader: Reader, platform: str, cls: type[Entity]
) -> list[EntityKey]:
    hints = {
        name
        for base in cls.__mro__
        if pkg.owns(base)
        for name in inspect.get_annotations(base)
    }
    if "entity_description" in hints:
        return []
    keys: set[str] = set()
    own = class_default(cls, "translation_key")
    if isinstance(own, str):
        keys.add(own)
    init = reader.scope_of(cls.__init__) if "__init__" in vars(cls) else None
    if init is not None:
        for node in _own_nodes(init.fn):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"
            ):
                keys |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
    device_class = class_default(cls, "device_class")
    if not isinstance(device_class, str):
        device_class = None
    return [
        EntityKey(platform, key, None, device_class, f"{platform}.{cls.__name__}")
        for key in sorted(keys)
    ]


# --- All facts at once ------------------------------------------------------------


@dataclass
class Facts:
    """Everything the checks compare with the metadata files."""

    flows: list[Flow]
    exceptions: list[Translated]
    issues: list[Translated]
    services: list[Service]
    entities: list[EntityKey]
    problems: list[str]
    """What could not be read (each is a failure of the checks that need it)."""


def read_facts(pkg: Package) -> Facts:
    reader = pkg.reader
    facts = Facts(
        flows=flows(pkg, reader),
        exceptions=exceptions(pkg, reader),
        issues=issues(pkg, reader),
        services=services(pkg, reader),
        entities=entity_keys(pkg, reader),
        problems=reader.problems,
    )
    facts.problems = sorted(set(facts.problems))
    return facts


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path in a JSON document, or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted paths of a JSON document's strings."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from leaves(value, path + ".")
        else:
            yield path
