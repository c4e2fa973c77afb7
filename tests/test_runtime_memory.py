"""A long-lived service keeps its match index out of the collector's way, and frees the old one."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from monitor.service.runtime import Runtime
from tests.e2e import SAMPLE, settings_for, write_watchlist


def test_a_reload_settles_the_new_index_and_frees_the_previous_one(tmp_path: Path) -> None:
    watchlist = write_watchlist(tmp_path / "watchlist.yaml", [])
    runtime = Runtime.open(settings_for(tmp_path, watchlist))
    try:
        # after a load, what stays is frozen: full collections during cycles do not walk it
        assert gc.get_freeze_count() > 0
        previous = weakref.ref(runtime.index)
        write_watchlist(watchlist, [], people=SAMPLE["people"][1:])
        assert runtime.reload_if_changed()
        gc.collect()
        assert previous() is None  # the previous index is not kept alive by the freeze
        assert len(runtime.index) == len(SAMPLE["people"]) - 1
    finally:
        runtime.close()
        gc.unfreeze()
