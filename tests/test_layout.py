"""Imports only go down: the layers of STYLE.md, checked over the import graph of monitor/.

Every import counts: at the top of a file, inside a function, under TYPE_CHECKING. The allowed
direction is cli -> commands -> service -> poll/backfill -> <source>.collect/record -> events ->
outbox -> store -> leaves (items, text, matching, config, http, the pure parse/sweep/lifecycle
modules, logs, metrics, exc); a module may import its own layer or any layer below, never above,
and no group of modules may import each other in a circle.

SQL is built in monitor/store/ only: a module elsewhere may take a session, an engine or an error
type from SQLAlchemy (better: from monitor.store, which re-exports them), nothing that builds a
query or the schema (tests/importgraph.py holds the definition bench/layout_figures.py counts by).
The migration scripts are left out: Alembic runs them, and they build the schema's changes.
"""

from __future__ import annotations

from pathlib import Path

from tests import importgraph
from tests.importgraph import cycles, sql_builders
from tests.paths import ROOT

# From the top down; a module belongs to the longest entry it equals or sits under.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The migration scripts are run by Alembic (an entry point of their own), never imported.
    ("entry point", ("monitor.__main__", "monitor.cli", "monitor.migrations")),
    ("commands", ("monitor.commands",)),
    ("service", ("monitor.service",)),
    ("web", ("monitor.web",)),  # the advocates' app: started by service, reads events and outbox
    ("poll", ("monitor.poll", "monitor.backfill")),
    (
        "collect/record",
        (
            "monitor.interpol.collect",
            "monitor.interpol.record",
            "monitor.feeds.collect",
            "monitor.pages.collect",
            "monitor.pages.record",
        ),
    ),
    ("events", ("monitor.events",)),
    ("outbox", ("monitor.outbox",)),
    ("store", ("monitor.store",)),
    (
        "leaves",
        (
            "monitor.__init__",
            "monitor.items",
            "monitor.text",
            "monitor.matching",
            "monitor.config",
            "monitor.locale",
            "monitor.http",
            "monitor.logs",
            "monitor.metrics",
            "monitor.exc",
            "monitor.interpol",
            "monitor.interpol.constants",
            "monitor.interpol.parse",
            "monitor.interpol.client",
            "monitor.interpol.sweep",
            "monitor.interpol.lifecycle",
            "monitor.feeds",
            "monitor.feeds.parse",
            "monitor.pages",
            "monitor.pages.parse",
        ),
    ),
)


def import_graph(root: Path) -> dict[str, set[str]]:
    return importgraph.import_graph(importgraph.module_files(root))


def sql_outside_store(root: Path) -> list[str]:
    """The modules of the package at `root` that build SQL outside its store/ folder."""
    store = f"{root.name}.store"
    files = importgraph.module_files(root, leave_out=("migrations",))
    return [m for m in sql_builders(files) if m != store and not m.startswith(f"{store}.")]


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the entry, layer)
    for rank, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            inside = module == entry or module.startswith(f"{entry}.")
            if inside and (best is None or len(entry) > best[0]):
                best = (len(entry), rank)
    return best[1] if best else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        rank = layer_of(module)
        if rank is None:
            problems.append(f"{module} belongs to no layer: add it to LAYERS")
            continue
        for target in sorted(targets):
            target_rank = layer_of(target)
            if target_rank is not None and target_rank < rank:
                problems.append(
                    f"{module} ({LAYERS[rank][0]}) imports {target} ({LAYERS[target_rank][0]})"
                )
    return problems


def test_no_module_of_monitor_imports_a_layer_above_its_own() -> None:
    assert upward_imports(import_graph(ROOT / "monitor")) == []


def test_no_modules_of_monitor_import_each_other_in_a_circle() -> None:
    assert cycles(import_graph(ROOT / "monitor")) == []


def test_the_check_finds_an_upward_import_inside_a_function_and_a_circle(tmp_path: Path) -> None:
    package = tmp_path / "monitor"
    (package / "store").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "store" / "__init__.py").write_text("")
    (package / "store" / "models.py").write_text(
        "def later():\n    from monitor.poll import poll_source\n"
    )
    (package / "poll.py").write_text("from monitor.store import models\n")
    (package / "items.py").write_text("from typing import TYPE_CHECKING\n")
    (package / "unlisted.py").write_text("")
    graph = import_graph(package)
    assert upward_imports(graph) == [
        "monitor.store.models (store) imports monitor.poll (poll)",
        "monitor.unlisted belongs to no layer: add it to LAYERS",
    ]
    assert cycles(graph) == [["monitor.poll", "monitor.store.models"]]


def test_no_module_outside_monitor_store_builds_sql() -> None:
    assert sql_outside_store(ROOT / "monitor") == []


def test_the_check_finds_sql_built_outside_store_and_lets_a_session_through(
    tmp_path: Path,
) -> None:
    package = tmp_path / "monitor"
    for folder in ("store", "web", "migrations"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "store" / "people.py").write_text("from sqlalchemy import select\n")
    (package / "web" / "routes.py").write_text(
        "from sqlalchemy.orm import Session\nfrom sqlalchemy.exc import IntegrityError\n"
    )
    (package / "web" / "queries.py").write_text("def later():\n    from sqlalchemy import func\n")
    (package / "web" / "raw.py").write_text("import sqlalchemy\n")
    (package / "migrations" / "env.py").write_text("from sqlalchemy import DateTime\n")
    assert sql_outside_store(package) == ["monitor.web.queries", "monitor.web.raw"]
