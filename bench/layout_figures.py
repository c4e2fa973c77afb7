"""The layout figures of issue 13, read with `ast` over a package folder (default `monitor/`).

Prints:
- import cycles (strongly connected groups of modules; every import counts: top-level, inside
  functions, under TYPE_CHECKING): how many and their sizes;
- files per concept (INTERPOL, feeds, pages, outbox) and on how many folder levels they sit;
- the modules the CLI reaches into for its handlers (function-level imports included);
- the modules importing SQLAlchemy;
- the largest module (lines).

Usage: python bench/layout_figures.py [PACKAGE_FOLDER]   (e.g. a worktree's monitor/ of 5d01bc4)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Container, Iterator
from pathlib import Path

CONCEPTS = {
    "INTERPOL": ("interpol", "sweep", "notice"),
    "feeds": ("feed",),
    "pages": ("page",),
    "outbox (alerts, digest, emails)": ("alert", "digest", "email", "mail", "outbox", "views"),
}
NOT_HANDLERS = {"settings", "logs", "exc", "database", "store.database", "config.settings"}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root.name, *parts])


def imported(
    tree: ast.AST, name: str, package: bool, modules: Container[str] = ()
) -> Iterator[str]:
    """Every module name `tree` imports, resolved (relative imports included).

    - `from pkg import sub` names the submodule `pkg.sub` when it is one of `modules`, and the
      package itself only for names that are not submodules (a parent package is imported
      first by any import of its submodules anyway).
    """
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
                yield base


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, Path]]:
    # The migration scripts (monitor/migrations, package data since stage B) are Alembic's to run,
    # not modules of the package: left out, as alembic/ was when it sat outside monitor/.
    scripts = root / "migrations"
    files = {
        module_name(root, p): p for p in sorted(root.rglob("*.py")) if scripts not in p.parents
    }
    edges: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = imported(tree, name, path.name == "__init__.py", files)
        edges[name] = {t for t in targets if t in files and t != name}
    return edges, files


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def print_handlers(root: Path, edges: dict[str, set[str]], files: dict[str, Path]) -> None:
    """Where the sub-commands' handlers live: the modules cli.py calls into, cli.py itself when
    it defines `cmd_*` functions, and the files of a commands/ folder."""
    prefix = f"{root.name}."
    cli = f"{prefix}cli"
    homes = {
        m.removeprefix(prefix)
        for m in edges.get(cli, set())
        if m.removeprefix(prefix) not in NOT_HANDLERS and m != root.name
    }
    cli_tree = ast.parse(files[cli].read_text(encoding="utf-8")) if cli in files else ast.Module()
    if any(isinstance(n, ast.FunctionDef) and n.name.startswith("cmd_") for n in cli_tree.body):
        homes.add("cli")
    homes |= {
        m.removeprefix(prefix)
        for m in files
        if m.startswith(f"{prefix}commands.") and not m.endswith(".common")
    }
    folders = {h.rpartition(".")[0] or "." for h in homes}
    print(f"modules holding the CLI's handlers: {len(homes)} in {len(folders)} folders")
    print("  " + " ".join(sorted(homes)))


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "monitor").resolve()
    edges, files = graph(root)
    found = cycles(edges)
    print(f"modules: {len(files)}")
    print(f"import cycles: {len(found)} (sizes {[len(c) for c in found] or '-'})")
    for group in found:
        print("  " + " ".join(m.removeprefix(f"{root.name}.") for m in group))
    for concept, words in CONCEPTS.items():
        paths = [
            p.relative_to(root)
            for p in files.values()
            if p.name != "__init__.py" and any(w in str(p.relative_to(root)) for w in words)
        ]
        levels = len({len(p.parts) for p in paths})
        folders = len({p.parent for p in paths})
        print(f"files for {concept}: {len(paths)} in {folders} folders on {levels} levels")
        print("  " + " ".join(str(p) for p in paths))
    print_handlers(root, edges, files)
    sqlalchemy = sorted(
        name.removeprefix(f"{root.name}.")
        for name, path in files.items()
        if any(
            t == "sqlalchemy" or t.startswith("sqlalchemy.")
            for t in imported(ast.parse(path.read_text(encoding="utf-8")), name, False)
        )
    )
    print(f"modules importing SQLAlchemy: {len(sqlalchemy)}")
    print("  " + " ".join(sqlalchemy))
    lines = {
        str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
        for p in files.values()
    }
    largest = max(lines, key=lambda k: lines[k])
    print(f"largest module: {largest} ({lines[largest]} lines)")


if __name__ == "__main__":
    main()
