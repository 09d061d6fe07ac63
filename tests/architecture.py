"""Facts about the code's shape, read from the source with ``ast``: who imports whom, module sizes.

Used by ``tests/test_architecture.py`` and runnable as a report while reshaping the house:
``python tests/architecture.py`` prints the modules over 400 lines, the cycles and the modules
outside ``store/`` that reach SQLAlchemy or the tables.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "shortfilm"


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package is its ``__init__``)."""
    found: dict[str, Path] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an ``import`` anywhere in the module (function-local included) asks for."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                yield f"{prefix}.{alias.name}"
            yield prefix


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (the longest existing prefix of each name)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for name in _imported_names(tree, module, path.name == "__init__.py"):
            if not name.startswith(PACKAGE):
                continue
            parts = name.split(".")
            while parts and ".".join(parts) not in files:
                parts.pop()
            if parts and ".".join(parts) != module:
                targets.add(".".join(parts))
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
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
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def line_counts() -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in module_files().values()
    }


def reaching_the_database() -> list[str]:
    """Modules outside ``store/`` that import SQLAlchemy or the store's tables."""
    out = []
    for module, path in module_files().items():
        if module.startswith(f"{PACKAGE}.store"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = list(_imported_names(tree, module, path.name == "__init__.py"))
        if any(
            n.split(".")[0] == "sqlalchemy" or n.startswith(f"{PACKAGE}.store.tables")
            for n in names
        ):
            out.append(str(path.relative_to(ROOT)))
    return sorted(out)


def main() -> None:
    sizes = line_counts()
    big = sorted(((n, p) for p, n in sizes.items() if n > 400), reverse=True)
    print(f"modules over 400 lines: {len(big)} (over 600: {sum(1 for n, _ in big if n > 600)})")
    for n, p in big:
        print(f"  {n:5d} {p}")
    found = cycles(import_graph())
    print(f"import cycles: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    db = reaching_the_database()
    print(f"outside store/ reaching SQLAlchemy or the tables: {len(db)}")
    for p in db:
        print(f"  {p}")


if __name__ == "__main__":
    main()
