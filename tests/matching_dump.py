"""Every match the engine makes on the labelled data, as JSON lines on standard output.

Run as a script (`python tests/matching_dump.py`) by tests/test_matching_compiled.py, once with
the pure engine and once with a compiled installation, to compare the two: the project folder is
put last on the import path, so `monitor` is whichever the running Python has installed.
Data: the OpenSanctions name bench, the crowd against the evaluation watchlist, and the news
mentions (tests/fixtures/matching/SOURCES.md).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))

from monitor.matching import MatchIndex, MatchPerson
from monitor.matching import score as score_module
from tests import crowd


def _line(kind: str, query: str, found: list[Any]) -> str:
    return json.dumps(
        {"kind": kind, "query": query, "found": [dataclasses.asdict(m) for m in found]},
        ensure_ascii=False,
        sort_keys=True,
    )


def main() -> None:
    print(json.dumps({"engine": Path(str(score_module.__file__)).name}))
    for row in crowd.rows("name_bench_cases.csv"):
        if row["schema"] == "Person":
            index = MatchIndex.build([MatchPerson("x", row["name2"])])
            print(
                _line("bench", f"{row['name1']} | {row['name2']}", index.match_name(row["name1"]))
            )
    watched = MatchIndex.build(crowd.evaluation_watchlist())
    for someone in crowd.crowd():
        print(_line("record", someone.full, watched.match_record(someone.record)))
        print(_line("text", someone.sentence, watched.match_text(someone.sentence)))
    mentions = crowd.FIXTURES / "eval_mentions.jsonl"
    for line in mentions.read_text("utf-8").splitlines():
        text = json.loads(line)["text"]
        print(_line("news", text, watched.match_text(text)))


if __name__ == "__main__":
    main()
