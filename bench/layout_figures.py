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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.importgraph import (
    builds_sql,
    cycles,
    import_graph,
    module_files,
    parsed,
    sqlalchemy_names,
)

CONCEPTS = {
    "INTERPOL": ("interpol", "sweep", "notice"),
    "feeds": ("feed",),
    "pages": ("page",),
    "outbox (alerts, digest, emails)": ("alert", "digest", "email", "mail", "outbox", "views"),
}
NOT_HANDLERS = {"settings", "logs", "exc", "database", "store.database", "config.settings"}


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, Path]]:
    # The migration scripts (monitor/migrations, package data since stage B) are Alembic's to run,
    # not modules of the package: left out, as alembic/ was when it sat outside monitor/.
    files = module_files(root, leave_out=("migrations",))
    return import_graph(files), files


def print_handlers(root: Path, edges: dict[str, set[str]], files: dict[str, Path]) -> None:
    """Where the sub-commands' handlers live: the modules cli.py calls into, cli.py itself when
    it defines `cmd_*` functions, and the files of a commands/ folder."""
    prefix = f"{root.name}."
    cli = f"{prefix}cli"
    homes = {
        m.removeprefix(prefix)
        for m in edges.get(cli, set())
        if m.removeprefix(prefix) not in NOT_HANDLERS and m != f"{prefix}__init__"
    }
    cli_tree = (
        ast.parse(files[cli].read_text(encoding="utf-8"))
        if cli in files
        else ast.Module(body=[], type_ignores=[])
    )
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


def print_sqlalchemy(root: Path, files: dict[str, Path]) -> None:
    """The modules importing SQLAlchemy, split: those building SQL (queries or the schema), and
    those only taking a session, an engine or an error type from it."""
    builds: list[str] = []
    session_only: list[str] = []
    for name, path in files.items():
        names = sqlalchemy_names(parsed(path))
        if names is None:
            continue
        short = name.removeprefix(f"{root.name}.")
        (builds if builds_sql(names) else session_only).append(short)
    inside = [m for m in builds if m.startswith("store.")]
    print(f"modules importing SQLAlchemy: {len(builds) + len(session_only)}")
    print(
        f"  builds SQL: {len(builds)} ({len(inside)} in store/, {len(builds) - len(inside)} elsewhere)"
    )
    print("    " + " ".join(sorted(builds)))
    print(f"  only takes a session, engine or error type: {len(session_only)}")
    print("    " + " ".join(sorted(session_only)))


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
    print_sqlalchemy(root, files)
    lines = {
        str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
        for p in files.values()
    }
    largest = max(lines, key=lambda k: lines[k])
    print(f"largest module: {largest} ({lines[largest]} lines)")


if __name__ == "__main__":
    main()
