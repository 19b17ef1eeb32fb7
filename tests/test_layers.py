"""The layers, read from the source with ``ast``: dependencies point one way, blueprints ->
facial_backend.services -> models and storage.

- services never import ``flask.request``, gevent or the performance layer (``facial_backend.perf``);
- blueprints import no model (they call services); services, models, schemas and storage
  never import a blueprint; perf and realtime neither;
- models never import services; storage imports nothing from facial_backend;
- schemas never import services, and services import no schema module;
- no import cycles between modules (imports at module level; ``TYPE_CHECKING`` blocks and
  imports inside functions are not part of loading a module).

``KNOWN_BREAKS`` lists today's exceptions, each (importer, imported); it only shrinks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("blueprints", "facial_backend", "storage")

KNOWN_BREAKS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a dotted module name, or "module.attribute" for a name from a module
    top_level: bool


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                found[_module_name(path)] = path
    return found


SOURCES = _sources()


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_of(module: str, path: Path) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(module, alias.name, top_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _base(module, path, child)
                found.extend(Import(module, f"{base}.{alias.name}", top_level) for alias in child.names)
            elif (isinstance(child, ast.If) and _is_type_checking(child)) or \
                    isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            else:
                visit(child, top_level)

    visit(ast.parse(path.read_text(), str(path)), True)
    return found


IMPORTS = [found for module, path in SOURCES.items() for found in _imports_of(module, path)]


def _resolved(name: str) -> str:
    """The module an import loads: ``a.b.c`` if it is a module of ours, else ``a.b``."""
    return name if name in SOURCES or name.rpartition(".")[0] not in SOURCES else name.rpartition(".")[0]


def _within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _breaks(importers: tuple[str, ...], imported: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted({(found.importer, found.imported) for found in IMPORTS
                   if _within(found.importer, *importers) and _within(found.imported, *imported)
                   and (found.importer, found.imported) not in KNOWN_BREAKS})


def test_the_sources_are_found():
    assert "facial_backend.services.recording_app.uploads" in SOURCES
    assert "storage" in SOURCES and "blueprints" in SOURCES
    assert any(found.imported == "flask.request" for found in IMPORTS)


def test_services_know_nothing_of_requests_gevent_or_the_performance_layer():
    assert _breaks(("facial_backend.services",),
                   ("flask.request", "gevent", "facial_backend.perf")) == []


def test_blueprints_ask_services_not_models():
    assert _breaks(("blueprints",), ("facial_backend.models",)) == []


def test_nothing_below_the_blueprints_imports_one():
    below = ("facial_backend.services", "facial_backend.models", "facial_backend.schemas",
             "facial_backend.perf", "facial_backend.realtime", "storage")
    assert _breaks(below, ("blueprints",)) == []


def test_models_import_no_service():
    assert _breaks(("facial_backend.models",), ("facial_backend.services",)) == []


def test_storage_imports_nothing_from_the_app():
    assert _breaks(("storage",), ("facial_backend",)) == []


def test_schemas_and_services_do_not_import_each_other():
    assert _breaks(("facial_backend.schemas",), ("facial_backend.services",)) == []
    assert _breaks(("facial_backend.services",), ("facial_backend.schemas",)) == []


def test_no_import_cycles():
    graph: dict[str, set[str]] = {module: set() for module in SOURCES}
    for found in IMPORTS:
        target = _resolved(found.imported)
        if found.top_level and target in SOURCES and target != found.importer \
                and (found.importer, found.imported) not in KNOWN_BREAKS:
            graph[found.importer].add(target)
    assert _cycles(graph) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components
