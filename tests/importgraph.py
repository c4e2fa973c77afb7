"""The import graph of a package folder, read with `ast`: what tests/test_layout.py checks and
bench/layout_figures.py counts.

Rules:
- every `import` statement counts: at the top of a file, inside a function, under TYPE_CHECKING;
- a module is named by its dotted path (`monitor.store.models`); a package by its folder
  (`monitor.store`), except the top package, named `monitor.__init__` so that it can sit in a
  layer of its own;
- `from pkg import sub` names the submodule `pkg.sub` when it is one, and `pkg` itself only for
  names that are not submodules (a parent package is imported first by any import of its
  submodules anyway).
"""

from __future__ import annotations

import ast
from collections.abc import Container, Iterable, Iterator
from pathlib import Path


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
