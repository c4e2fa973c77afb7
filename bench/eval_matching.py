"""Evaluation tables of issue 3, printed (not a test: run it and read it).

    .venv/bin/python bench/eval_matching.py

1. OpenSanctions' name bench (548 person pairs): recall/precision at our alert threshold, by
   `quality`, next to logic-v2's frozen run at 0.5 and 0.7; every pair goes through the whole
   engine (an index of name2 alone, name1 matched as a record).
2. yente's 2,000 synthetic negatives against the sample watchlist: strong / alert / weak counts,
   as records (name, birth date, sex) and as sentences of free text.
3. Our evaluation set (tests/fixtures/matching/eval_mentions.jsonl): recall on full-name mentions,
   matches on hard negatives, and unexpected matches on the real ODF texts.
4. Held out: yente's UN positives, perturbed (treated) names against the untreated list.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

from monitor.matching import ALERT_THRESHOLD, STRONG_THRESHOLD, MatchIndex, Person, Record

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "matching"


def _lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text("utf-8").splitlines()


def load_watchlist() -> list[Person]:
    rows = json.loads((FIXTURES / "sample_watchlist.json").read_text("utf-8"))
    return [
        Person(
            id=r["id"],
            name=r["name"],
            aliases=tuple(r.get("aliases", ())),
            birth_date=r.get("birth_date"),
            nationalities=tuple(r.get("nationalities", ())),
            sex=r.get("sex"),
        )
        for r in rows
    ]


def bench_scores() -> list[tuple[float, bool, str, dict[str, str]]]:
    rows = csv.DictReader(_lines("name_bench_cases.csv"))
    out = []
    for row in rows:
        if row["schema"] != "Person":
            continue
        index = MatchIndex.build([Person(id="x", name=row["name2"])])
        matches = index.match_name(row["name1"])
        score = matches[0].score if matches else 0.0
        out.append((score, row["is_match"] == "true", row["quality"], row))
    return out


def pr(rows: list[tuple[float, bool]], threshold: float) -> tuple[float, float, int, int, int]:
    tp = sum(1 for s, m in rows if m and s >= threshold)
    fp = sum(1 for s, m in rows if not m and s >= threshold)
    positives = sum(1 for _, m in rows if m)
    recall = tp / positives if positives else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return recall, precision, tp, fp, positives


def logicv2_rows() -> list[tuple[float, bool, str]]:
    rows = csv.DictReader(_lines("name_bench_logicv2_frozen.csv"))
    return [
        (float(r["score"] or 0), r["is_match"] == "true", r["quality"])
        for r in rows
        if r["schema"] == "Person"
    ]


def print_name_bench(verbose: bool) -> None:
    scored = bench_scores()
    theirs = logicv2_rows()
    print("== 1. Name bench (nomenklatura contrib/name_bench, Person pairs) ==")
    print(f"alert threshold {ALERT_THRESHOLD}, strong threshold {STRONG_THRESHOLD}")
    header = (
        f"{'quality':8} {'pairs':>5} {'pos':>4} | {'ours@alert R/P':>16} {'ours@strong R/P':>16}"
    )
    print(header + f" | {'logic-v2@0.5 R/P':>17} {'logic-v2@0.7 R/P':>17}")
    for quality in ("STRONG", "MEDIUM", "WEAK", "ALL"):
        ours = [(s, m) for s, m, q, _ in scored if quality in ("ALL", q)]
        ref = [(s, m) for s, m, q in theirs if quality in ("ALL", q)]
        cells = []
        for rows, th in ((ours, ALERT_THRESHOLD), (ours, STRONG_THRESHOLD), (ref, 0.5), (ref, 0.7)):
            r, p, *_ = pr(rows, th)
            cells.append(f"{r:.3f}/{p:.3f}")
        positives = sum(1 for _, m in ours if m)
        print(
            f"{quality:8} {len(ours):5} {positives:4} | {cells[0]:>16} {cells[1]:>16} | {cells[2]:>17} {cells[3]:>17}"
        )
    every = [(s, m) for s, m, _, _ in scored]
    print("threshold sweep (ours, all Person pairs):")
    for th in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        r, p, tp, fp, n = pr(every, th)
        print(f"  {th:.2f}: recall {r:.3f} precision {p:.3f} (tp {tp}/{n}, fp {fp})")
    missed = [(s, row) for s, m, _, row in scored if m and s < ALERT_THRESHOLD]
    print(f"missed positives at the alert threshold: {len(missed)}")
    for s, row in sorted(missed, key=lambda x: x[0]):
        print(f"  {s:.3f}  {row['name1']!r} vs {row['name2']!r}")
    if verbose:
        fps = sorted(
            ((s, row) for s, m, _, row in scored if not m and s >= ALERT_THRESHOLD),
            key=lambda x: -x[0],
        )
        print(f"false positives at the alert threshold: {len(fps)}")
        for s, row in fps:
            print(f"  {s:.3f}  {row['name1']!r} vs {row['name2']!r}")


def negatives() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for name in ("yente_negatives_global.csv", "yente_negatives_us.csv"):
        out += list(csv.DictReader(_lines(name)))
    return out


def print_negatives(index: MatchIndex) -> None:
    print("\n== 2. yente negatives (2,000 synthetic people) against the sample watchlist ==")
    rows = negatives()
    as_record: dict[str, int] = defaultdict(int)
    as_text: dict[str, int] = defaultdict(int)
    shown: list[str] = []
    for row in rows:
        forename = " ".join(p for p in (row["first_name"], row["middle_name"]) if p)
        sex = {"male": "M", "female": "F"}.get(row["gender"])
        record = Record(
            name=row["last_name"] or row["full_name"],
            forename=forename or None,
            birth_date=row["date_of_birth"],
            sex=sex,
        )
        for match in index.match_record(record)[:1]:
            as_record[match.band] += 1
            as_record["alert"] += match.is_alert
            if match.band == "strong" or match.is_alert:
                shown.append(
                    f"  record {row['full_name']!r} -> {match.person_id} {match.band} {match.score:.3f}"
                )
        sentence = f"On Monday {row['full_name']} was detained at the airport, the court said."
        for tm in index.match_text(sentence)[:1]:
            as_text[tm.band] += 1
            as_text["alert"] += tm.is_alert
            shown.append(f"  text {row['full_name']!r} -> {tm.person_id} {tm.band} {tm.score:.3f}")
    print(f"negatives: {len(rows)} (nationality not used: the files name countries, not ISO codes)")
    for label, counts in (("as records", as_record), ("as free text", as_text)):
        print(
            f"  {label:13}: strong {counts['strong']}, alerts {counts['alert']}, review {counts['review']}, weak {counts['weak']}"
        )
    for line in shown[:20]:
        print(line)


def print_own_set(index: MatchIndex) -> None:
    print("\n== 3. Own evaluation set (ODF texts + written variants + hard negatives) ==")
    lines = (FIXTURES / "eval_mentions.jsonl").read_text("utf-8").splitlines()
    cases = [json.loads(line) for line in lines]
    expected_full = found_full = hard_hits = unexpected = 0
    hard = sum(1 for c in cases if c.get("hard_negative"))
    problems: list[str] = []
    for case in cases:
        matches = index.match_text(case["text"])
        alerting = {m.person_id for m in matches if m.is_alert}
        for pid in case["full"]:
            expected_full += 1
            if pid in alerting:
                found_full += 1
            else:
                problems.append(f"  MISSED {pid}: {case['text'][:100]!r}")
        allowed = set(case["full"]) | set(case["mentioned"])
        for m in matches:
            if m.person_id not in allowed:
                if case.get("hard_negative"):
                    hard_hits += 1
                else:
                    unexpected += 1
                problems.append(
                    f"  UNEXPECTED {m.person_id} {m.band} {m.surface!r}: {case['text'][:80]!r}"
                )
    print(
        f"cases: {len(cases)}; full-name mentions expected: {expected_full}; hard negatives: {hard}"
    )
    print(
        f"recall on full-name mentions (alerting): {found_full}/{expected_full} = {found_full / expected_full:.3f}"
    )
    print(f"matches on hard negatives (any band): {hard_hits}")
    print(f"unexpected matches elsewhere (any band): {unexpected}")
    for line in problems:
        print(line)


def print_held_out() -> None:
    print("\n== 4. Held out: yente UN positives, perturbed name vs the untreated list ==")
    untreated = list(csv.DictReader(_lines("yente_positives_un_untreated.csv")))
    treated = list(csv.DictReader(_lines("yente_positives_un_treated.csv")))
    people = [Person(id=str(i), name=r["full_name"]) for i, r in enumerate(untreated)]
    index = MatchIndex.build(people)
    changed = top = alert = 0
    for i, row in enumerate(treated):
        if row["full_name"] == untreated[i]["full_name"]:
            continue
        changed += 1
        matches = index.match_name(row["full_name"])
        if matches and matches[0].person_id == str(i):
            top += 1
        alert += any(m.person_id == str(i) and m.is_alert for m in matches)
    print(
        f"perturbed names: {changed}; right person ranked first: {top}; right person alerting: {alert} ({alert / changed:.3f})"
    )


def main() -> None:
    verbose = "-v" in sys.argv
    print_name_bench(verbose)
    index = MatchIndex.build(load_watchlist())
    print_negatives(index)
    print_own_set(index)
    print_held_out()


if __name__ == "__main__":
    main()
