"""Evaluation tables of issue 3, printed (not a test: run it and read it).

    .venv/bin/python bench/eval_matching.py

1. OpenSanctions' name bench (548 person pairs): recall/precision at our alert threshold, by
   `quality`, next to logic-v2's frozen run at 0.5 and 0.7; every pair goes through the whole
   engine (an index of name2 alone, name1 matched as a record). Also by half: the bench is split
   in two by a hash of the pair (mirrored and repeated pairs fall in one half); rules were tuned
   on the "dev" half only, the "held-out" half says how well they carry over, except the Korean
   given-syllable and hissing-sound rules, chosen from the misses of both halves.
   Then the ceiling (pairs the bench labels both ways: no scorer gets them all right) and the
   false positives and negatives at the alert threshold, by category, quality and deviation.
2. yente's 2,000 synthetic negatives against the sample watchlist: strong / alert / weak counts,
   as records (name, birth date, sex) and as sentences of free text.
3. Our evaluation set (tests/fixtures/matching/eval_mentions.jsonl): recall on full-name mentions,
   matches on hard negatives, and unexpected matches on the real ODF texts.
4. Held out: yente's UN positives, perturbed (treated) names against the untreated list.
5. The bench's positives again, each watched name inside a synthetic watchlist of 10,000 people
   (bench_matching's generator): what candidate generation and the prefilter lose in a crowd.
6. A crowd of 21,453 real names (tests/crowd.py) against the evaluation watchlist and the bench's
   people, as records and as texts: false possible matches and false alerts per 1,000 crowd names
   per 100 watched people, records/s and MB/s, and the recall figures beside them.

    .venv/bin/python bench/eval_matching.py --crowd [--save FILE] [--before FILE]

`--crowd` runs section 6 only; `--save` writes its figures as JSON, `--before` prints a saved run
(another engine: PYTHONPATH=<a worktree of another commit>) side by side. The run of the engine
before issue 15 (commit 5d01bc4) is kept in bench/crowd_before_5d01bc4.json, made with

    git worktree add --detach /tmp/old15 5d01bc4
    PYTHONPATH=/tmp/old15 .venv/bin/python bench/eval_matching.py --crowd --save bench/crowd_before_5d01bc4.json
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # crowd.py, this tree's

import crowd as crowds
from bench_matching import make_people

import monitor
from monitor.matching import ALERT_THRESHOLD, STRONG_THRESHOLD, MatchIndex, MatchPerson, Record
from monitor.matching.normalize import fold_name
from monitor.matching.score import tokenize

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "matching"


def _lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text("utf-8").splitlines()


def load_watchlist() -> list[MatchPerson]:
    rows = json.loads((FIXTURES / "sample_watchlist.json").read_text("utf-8"))
    return [
        MatchPerson(
            id=r["id"],
            name=r["name"],
            aliases=tuple(r.get("aliases", ())),
            birth_date=r.get("birth_date"),
            nationalities=tuple(r.get("nationalities", ())),
            sex=r.get("sex"),
        )
        for r in rows
    ]


def canon(name: str) -> str:
    """The pair key's form of a name: NFKC, case folded, spaces collapsed (nothing else)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def half(row: dict[str, str]) -> str:
    """'dev' or 'held-out', from a hash of the unordered pair (stable across runs and orders)."""
    key = "\n".join(sorted((canon(row["name1"]), canon(row["name2"]))))
    return "dev" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def bench_rows() -> list[dict[str, str]]:
    return [r for r in csv.DictReader(_lines("name_bench_cases.csv")) if r["schema"] == "Person"]


def bench_scores() -> list[tuple[float, bool, str, dict[str, str]]]:
    out = []
    for row in bench_rows():
        index = MatchIndex.build([MatchPerson(id="x", name=row["name2"])])
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
    print(
        "by half (rules tuned on 'dev' only, except the Korean given-syllable and hissing-sound"
        f" rules, chosen from both halves), at the alert threshold {ALERT_THRESHOLD}:"
    )
    for name in ("dev", "held-out"):
        rows = [(s, m) for s, m, _, row in scored if half(row) == name]
        r, p, tp, fp, n = pr(rows, ALERT_THRESHOLD)
        print(
            f"  {name:8}: {len(rows)} pairs, recall {r:.3f} precision {p:.3f} (tp {tp}/{n}, fp {fp})"
        )
    every = [(s, m) for s, m, _, _ in scored]
    print("threshold sweep (ours, all Person pairs):")
    for th in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        r, p, tp, fp, n = pr(every, th)
        print(f"  {th:.2f}: recall {r:.3f} precision {p:.3f} (tp {tp}/{n}, fp {fp})")
    print_ceiling(bench_rows())
    print_errors(scored, verbose)


def print_ceiling(rows: list[dict[str, str]]) -> None:
    """Pairs labelled both ways, and what even a perfect scorer could reach because of them."""
    print("\nceiling: the same pair labelled both ways (no scorer of a pair gets both right)")
    positives = sum(1 for r in rows if r["is_match"] == "true")
    for what, key in (
        ("same pair (either order)", lambda r: frozenset((canon(r["name1"]), canon(r["name2"])))),
        ("same words in any order", _bag_pair),
    ):
        groups: dict[object, list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            groups[key(row)].append(row)
        mixed = [g for g in groups.values() if len({r["is_match"] for r in g}) == 2]
        neg = sum(1 for g in mixed for r in g if r["is_match"] == "false")
        pos = sum(1 for g in mixed for r in g if r["is_match"] == "true")
        print(
            f"  {what}: {len(mixed)} contradictory groups ({pos} positive and {neg} negative rows);"
            f" a perfect scorer reaches recall 1.000 with precision {positives / (positives + neg):.3f},"
            f" or precision 1.000 with recall {(positives - pos) / positives:.3f}"
        )
        for group in mixed:
            labels = ", ".join(f"{r['name1']!r}/{r['name2']!r}={r['is_match']}" for r in group)
            print(f"    {labels}")
    families: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        families[family(row)][row["is_match"]] += 1
    mixed_families = {f: c for f, c in families.items() if f and len(c) == 2}
    unavoidable = sum(min(c.values()) for c in mixed_families.values())
    print(
        "  same deviation (the bench's own `notes`, script and example in brackets dropped) "
        f"labelled both ways: {len(mixed_families)} deviations, {unavoidable} rows that a scorer "
        "treating one deviation one way must get wrong"
    )
    for name, counts in sorted(mixed_families.items(), key=lambda x: -sum(x[1].values())):
        print(f"    {name!r}: {counts['true']} true, {counts['false']} false")


def _bag_pair(row: dict[str, str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(sorted(fold_name(row[k]).split())) for k in ("name1", "name2"))


def family(row: dict[str, str]) -> str:
    """The bench's deviation label (`notes`), without brackets; test-file names are not one."""
    notes = re.sub(r"\s*\([^)]*\)", "", row["notes"]).strip().lower()
    return "" if not notes or notes.startswith("test_") else notes


_KINDS = (
    ("patronymic", "patronymic or father's name"), ("father", "patronymic or father's name"),
    ("nisbah", "clan, tribe or family name"), ("clan", "clan, tribe or family name"),
    ("tribal", "clan, tribe or family name"), ("family", "clan, tribe or family name"),
    ("middle", "middle names added, dropped or swapped"), ("dropped", "middle names added, dropped or swapped"),
    ("added", "middle names added, dropped or swapped"), ("korean", "Korean given name"),
    ("given", "given name"), ("surname", "surname"), ("transliteration", "transliteration"),
)  # fmt: skip


def kind(row: dict[str, str]) -> str:
    """A coarse kind of deviation from the bench's `notes` (else its `category`), for the tables."""
    notes = row["notes"].lower()
    if notes and not notes.startswith("test_"):
        for word, name in _KINDS:
            if word in notes:
                return name
        return "other deviation (notes)"
    return row["category"] or "(no category)"


def print_errors(scored: list[tuple[float, bool, str, dict[str, str]]], verbose: bool) -> None:
    """False negatives and positives at the alert threshold, by category and quality."""
    missed = [(s, row) for s, m, _, row in scored if m and s < ALERT_THRESHOLD]
    wrong = [(s, row) for s, m, _, row in scored if not m and s >= ALERT_THRESHOLD]
    print(
        f"\nerrors at the alert threshold: {len(missed)} missed positives, {len(wrong)} false positives"
    )
    for label, of in (("quality", lambda r: r["quality"]), ("kind of deviation", kind)):
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for s, m, _, row in scored:
            hit = s >= ALERT_THRESHOLD
            counts[of(row)][("TP" if hit else "FN") if m else ("FP" if hit else "TN")] += 1
        print(f"  by {label}:")
        rest: Counter[str] = Counter()
        for name, c in sorted(counts.items(), key=lambda x: -sum(x[1].values())):
            if c["FN"] or c["FP"] or sum(c.values()) >= 10:
                print(
                    f"    {name:40} TP {c['TP']:3} FN {c['FN']:2} | FP {c['FP']:3} TN {c['TN']:3}"
                )
            else:
                rest += c
        if rest:
            name = "(small groups without an error)"
            print(
                f"    {name:40} TP {rest['TP']:3} FN {rest['FN']:2} | FP {rest['FP']:3} TN {rest['TN']:3}"
            )
    print("  missed positives (score, half, deviation):")
    for s, row in sorted(missed, key=lambda x: x[0]):
        print(
            f"    {s:.3f} {half(row):8} {row['name1']!r} vs {row['name2']!r} [{row['notes'] or row['category']}]"
        )
    if verbose:
        print("  false positives (score, half, deviation):")
        for s, row in sorted(wrong, key=lambda x: -x[0]):
            print(
                f"    {s:.3f} {half(row):8} {row['name1']!r} vs {row['name2']!r} [{row['notes'] or row['category']}]"
            )


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
    people = [MatchPerson(id=str(i), name=r["full_name"]) for i, r in enumerate(untreated)]
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


def crowd_groups(names: list[str]) -> list[list[str]]:
    """Split names into groups whose names share no token key, so that in one group's index no
    other spelling of the same person (the bench names Putin a dozen ways) competes with it."""
    groups: list[tuple[set[str], list[str]]] = []
    for name in names:
        keys = {t.key for t in tokenize(name)}
        for taken, members in groups:
            if not keys & taken:
                taken.update(keys)
                members.append(name)
                break
        else:
            groups.append((set(keys), [name]))
    return [members for _, members in groups]


def print_crowd(size: int = 10_000) -> None:
    print(f"\n== 5. Name bench positives in a crowd: each watched name among {size:,} others ==")
    rows = [r for r in bench_rows() if r["is_match"] == "true"]
    crowd = make_people(size, random.Random(1))  # bench_matching's synthetic watchlist
    where: dict[str, MatchIndex] = {}
    groups = crowd_groups(sorted({r["name2"] for r in rows}))
    for names in groups:
        index = MatchIndex.build([MatchPerson(id=n, name=n) for n in names] + crowd)
        where.update(dict.fromkeys(names, index))
    alone = lost = 0
    misses = []
    for row in rows:
        single = MatchIndex.build([MatchPerson(id="x", name=row["name2"])]).match_name(row["name1"])
        if not single or not single[0].is_alert:
            continue
        alone += 1
        found = [
            m for m in where[row["name2"]].match_name(row["name1"]) if m.person_id == row["name2"]
        ]
        if not (found and found[0].is_alert):
            lost += 1
            misses.append(f"    {row['name1']!r} vs {row['name2']!r}")
    print(
        f"positives alerting against their name alone: {alone}; still alerting in the crowd:"
        f" {alone - lost} ({(alone - lost) / alone:.3f}; {len(groups)} indexes); lost:"
    )
    print("\n".join(misses))


def recall_figures() -> dict[str, float]:
    """Recall (and the bench's precision) at the alert threshold, for the crowd table."""
    scored = bench_scores()
    r, p, *_ = pr([(s, m) for s, m, _, _ in scored], ALERT_THRESHOLD)
    untreated = list(csv.DictReader(_lines("yente_positives_un_untreated.csv")))
    treated = list(csv.DictReader(_lines("yente_positives_un_treated.csv")))
    index = MatchIndex.build(
        [MatchPerson(id=str(i), name=r["full_name"]) for i, r in enumerate(untreated)]
    )
    changed = alert = 0
    for i, row in enumerate(treated):
        if row["full_name"] != untreated[i]["full_name"]:
            changed += 1
            alert += any(
                m.person_id == str(i) and m.is_alert for m in index.match_name(row["full_name"])
            )
    cases = [json.loads(line) for line in _lines("eval_mentions.jsonl")]
    watch = MatchIndex.build(load_watchlist())
    expected = found = 0
    for case in cases:
        alerting = {m.person_id for m in watch.match_text(case["text"]) if m.is_alert}
        expected += len(case["full"])
        found += sum(pid in alerting for pid in case["full"])
    return {
        "bench recall": r,
        "bench precision": p,
        "UN perturbed recall": alert / changed,
        "text mentions recall": found / expected,
    }


SHOWN = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 8


def crowd_figures() -> dict[str, float]:
    """Section 6's figures, by watchlist and reading (records, texts)."""
    people = crowds.crowd()
    figures: dict[str, float] = {"crowd names": len(people)}
    for label, watched in (
        ("evaluation watchlist", crowds.evaluation_watchlist()),
        ("bench people", crowds.bench_people()),
    ):
        index = MatchIndex.build(watched)
        by_id = {p.id: p for p in watched}
        figures[f"{label}: watched"] = len(watched)
        for how, tally in (
            ("records", crowds.match_records(index, by_id, people)),
            ("texts", crowds.match_texts(index, by_id, people)),
        ):
            prefix = f"{label}, {how}"
            figures[f"{prefix}: false alerts"] = tally.alerts
            figures[f"{prefix}: of which identical names (alerts or possible)"] = tally.identical
            figures[f"{prefix}: false possible matches"] = tally.possible
            figures[f"{prefix}: watched people with a false alert"] = len(tally.people)
            figures[f"{prefix}: false alerts per watched person per 1,000"] = tally.rate(
                tally.alerts, len(watched)
            )
            figures[f"{prefix}: false possible matches per watched person per 1,000"] = tally.rate(
                tally.possible, len(watched)
            )
            if how == "records":
                figures[f"{prefix}: records/s"] = tally.names / tally.seconds
            else:
                figures[f"{prefix}: MB/s"] = tally.megabytes / tally.seconds
            for score, who, watched_name, kind in sorted(tally.examples, reverse=True)[:SHOWN]:
                print(f"  {prefix}: {kind} {score:.2f} {who!r} vs {watched_name!r}")
    figures.update(recall_figures())
    return figures


def print_crowd_table(figures: dict[str, float], before: dict[str, float] | None) -> None:
    print(f"\n== 6. A crowd of real names (engine: {Path(monitor.__file__).parent}) ==")
    print("  per 1,000 crowd names per 100 watched people = the per-person figure x 100")
    head = f"  {'figure':86} {'this run':>10}"
    print(head + (f" {'before':>10}" if before else ""))
    for key, value in figures.items():
        cells = [value] + ([before[key]] if before and key in before else [])
        shown = " ".join(
            f"{v:10.4f}" if isinstance(v, float) and not v.is_integer() else f"{int(v):10d}"
            for v in cells
        )
        print(f"  {key:86} {shown}")


def main() -> None:
    verbose = "-v" in sys.argv
    if "--crowd" in sys.argv:
        figures = crowd_figures()
        before = None
        if "--before" in sys.argv:
            before = json.loads(Path(sys.argv[sys.argv.index("--before") + 1]).read_text())
        if "--save" in sys.argv:
            Path(sys.argv[sys.argv.index("--save") + 1]).write_text(json.dumps(figures, indent=1))
        print_crowd_table(figures, before)
        return
    print_name_bench(verbose)
    index = MatchIndex.build(load_watchlist())
    print_negatives(index)
    print_own_set(index)
    print_held_out()
    print_crowd()


if __name__ == "__main__":
    main()
