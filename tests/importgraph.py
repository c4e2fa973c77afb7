"""The import graph of a package folder, read with `ast`, and which of its modules build SQL: what
tests/test_layout.py checks and bench/layout_figures.py counts.

Rules:
- every `import` statement counts: at the top of a file, inside a function, under TYPE_CHECKING;
- a module is named by its dotted path (`monitor.store.models`); a package by its folder
  (`monitor.store`), except the top package, named `monitor.__init__` so that it can sit in a
  layer of its own;
- `from pkg import sub` names the submodule `pkg.sub` when it is one, and `pkg` itself only for
  names that are not submodules (a parent package is imported first by any import of its
  submodules anyway);
- a module builds SQL (queries or the schema) when it takes from SQLAlchemy anything but
  SESSION_ONLY and the error types (`sqlalchemy.exc`); a bare `import sqlalchemy` builds SQL.
"""

from __future__ import annotations

import ast
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

# What a module may take from SQLAlchemy without building SQL: a session, its factory, an engine,
# the errors it may raise.
SESSION_ONLY = {"Session", "sessionmaker", "Engine", "Connection"}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def imported(
    tree: ast.AST, name: str, package: bool, modules: Container[str] = ()
) -> Iterator[str]:
    """Every module name `tree` imports, resolved (relative imports included)."""
    top = name.split(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if package else 0)
                base = ".".join([*parts[:keep], *([base] if base else [])])
            subs = [f"{base}.{alias.name}" for alias in node.names]
            yield from (sub for sub in subs if sub in modules)
            if not all(sub in modules for sub in subs):
                yield f"{top}.__init__" if base == top else base


def module_files(root: Path, leave_out: Iterable[str] = ()) -> dict[str, Path]:
    """Every module under `root` by name, without the folders of `leave_out` (names in root)."""
    skipped = [root / folder for folder in leave_out]
    return {
        module_name(root, p): p
        for p in sorted(root.rglob("*.py"))
        if not any(folder in p.parents for folder in skipped)
    }


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_graph(files: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of `files` it imports (itself left out)."""
    graph = {}
    for name, path in files.items():
        targets = imported(parsed(path), name, path.name == "__init__.py", files)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other in a circle (Tarjan's strong components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def sqlalchemy_names(tree: ast.AST) -> set[str] | None:
    """The names a module takes from SQLAlchemy (`sqlalchemy.exc.X` as `exc.X`; a bare `import
    sqlalchemy` as `*`), or None when it takes nothing."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {"*" for a in node.names if a.name.split(".")[0] == "sqlalchemy"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            prefix = "exc." if node.module == "sqlalchemy.exc" else ""
            names |= {prefix + a.name for a in node.names}
    return names or None


def builds_sql(names: set[str]) -> bool:
    """Whether the names a module takes from SQLAlchemy (`sqlalchemy_names`) build SQL."""
    return not all(n in SESSION_ONLY or n.startswith("exc.") for n in names)


def sql_builders(files: dict[str, Path]) -> list[str]:
    """The modules of `files` that build SQL, by name."""
    found = []
    for name, path in files.items():
        names = sqlalchemy_names(parsed(path))
        if names is not None and builds_sql(names):
            found.append(name)
    return sorted(found)
