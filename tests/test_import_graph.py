"""No import circle among the project's own modules (``wavenetlike`` and ``wavenetlike_gui``).

Every module is parsed with :mod:`ast` (nothing is imported) and an edge
``a -> b`` is drawn for each import in ``a`` of another project module ``b``:

- relative imports are resolved against the importing module's package;
- ``from P import name`` points at ``P.name`` when that is a module, else at
  ``P`` itself (the name must already be defined in ``P/__init__.py``, which
  is what makes ``from wavenetlike import X`` inside the package a circle);
- importing ``P.sub`` is not counted as an import of ``P``: Python runs a
  package's ``__init__`` before any submodule, so every submodule would
  otherwise be in a circle with a package that imports it;
- imports under ``if TYPE_CHECKING:`` are skipped (they never run).

Imports inside functions (and methods) are **not counted** by
:func:`test_no_module_level_import_cycle`: they run when the function is
called, after every module involved has finished loading, so they cannot meet
a half-initialised module, and deferring an import that way is the normal
means of keeping a heavy or optional dependency (PySide6 for ``--self-test``,
Optuna for ``select``) off the import path. But a deferred import is also the
usual way to *hide* a circle: the ``dataset -> sources -> dataset`` and
``app -> main_window -> app`` circles of issue 11 were all of that kind. So
:func:`test_no_import_cycle_counting_deferred_imports` builds the graph again
with function-level imports included and checks that, apart from the known
tangles listed in :data:`KNOWN_DEFERRED_TANGLES`, it has none either.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wavenetlike", "wavenetlike_gui")

# Modules tied together only through function-level imports, known and not yet untied (none now: the CLI's
# cli_quality and cli_select called back into cli's helpers until the CLI became a package, issue 11).
KNOWN_DEFERRED_TANGLES: list[frozenset[str]] = []


def project_modules(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is_package) for every ``.py`` file of the project's packages."""
    modules: dict[str, tuple[Path, bool]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            modules[".".join(parts)] = (path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(body: list[ast.stmt], deferred: bool):
    """Import statements in ``body``: module level (in if/try/with blocks too), plus functions' when ``deferred``."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, deferred)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if deferred:
                yield from _imports(node.body, deferred)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                sub = getattr(node, field, None)
                if isinstance(sub, list):
                    yield from _imports(sub, deferred)


def import_graph(root: Path = ROOT, deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the project modules it imports (at module level; also inside functions if ``deferred``)."""
    modules = project_modules(root)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _imports(tree.body, deferred):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in modules)
                continue
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{path}:{node.lineno}: relative import goes above the top package")
                base = ".".join(parts[:len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base not in modules:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
        targets.discard(name)
        graph[name] = targets
    return graph


def tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module: each module in one reaches every other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm (the graph has a few hundred nodes: recursion is fine)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle (``a -> b -> … -> a``) through each tangle of :func:`tangles`."""
    return [_circle_through(graph, c) for c in tangles(graph)]


def _circle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One circle inside ``component``, starting from its first module (breadth-first, so a shortest one)."""
    start = min(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in parents:
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no circle found in component {sorted(component)}")  # pragma: no cover


def _describe(graph: dict[str, set[str]], found: list[set[str]]) -> str:
    lines = []
    for tangle in found:
        lines.append("  " + " -> ".join(_circle_through(graph, tangle)))
        if len(tangle) > 2:
            lines.append(f"    (one circle of several among: {', '.join(sorted(tangle))})")
    return "\n".join(lines)


def test_graph_sees_the_project() -> None:
    graph = import_graph()
    assert "wavenetlike.data.dataset" in graph and "wavenetlike_gui.main_window" in graph
    assert "wavenetlike.data.ar2" in graph["wavenetlike.data.dataset"]  # from .ar2 import AR2
    assert "wavenetlike.model.distributions" in graph["wavenetlike.data.windows"]  # from ..model.distributions
    assert "wavenetlike.data.dataset" in graph["wavenetlike"]  # a package's __init__
    assert "wavenetlike.train.checkpoint_checks" in graph["wavenetlike.train.checkpoint"]  # from . import module
    assert "wavenetlike_gui.main_window" not in graph["wavenetlike_gui.app"]  # only inside main()
    assert "wavenetlike_gui.main_window" in import_graph(deferred=True)["wavenetlike_gui.app"]


def test_find_cycles_reports_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_level_import_cycle() -> None:
    graph = import_graph()
    found = tangles(graph)
    assert not found, "import circle(s) among module-level imports:\n" + _describe(graph, found)


def test_no_import_cycle_counting_deferred_imports() -> None:
    graph = import_graph(deferred=True)
    unknown = [t for t in tangles(graph) if frozenset(t) not in KNOWN_DEFERRED_TANGLES]
    assert not unknown, ("import circle(s) once imports inside functions are counted too (a deferred import "
                         "hides the circle but does not open it):\n" + _describe(graph, unknown))
