"""Readable, bounded diffs of followed text (a case page before and after)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

# --------------------------------------------------------------------------------------------
# Diffs
# --------------------------------------------------------------------------------------------

_DIFF_MAX_INPUT_LINES = 2000
_DIFF_LINE_WIDTH = 300


def diff_text(old: str, new: str, *, max_lines: int = 200, context: int = 2) -> str:
    """A readable line diff of two versions of a watched text, bounded in size.

    - "" when the texts are equal.
    - Otherwise hunks headed `@@ line N @@`, removed lines as `- ...`, added lines as `+ ...`,
      `context` unchanged lines around each change as `  ...`.
    - At most `max_lines` lines, each cut at 300 characters; what is cut is said on a last line.
    - Cost is bounded: the common beginning and end are skipped before comparing, and at most
      2000 differing lines of each side are compared.
    """
    a, b = old.splitlines(), new.splitlines()
    if a == b:
        return ""
    start = _common_prefix(a, b)
    end = _common_prefix(a[start:][::-1], b[start:][::-1])
    lo = max(0, start - context)
    a_mid, b_mid = a[lo : len(a) - end + context], b[lo : len(b) - end + context]
    truncated = max(len(a_mid), len(b_mid)) > _DIFF_MAX_INPUT_LINES
    a_mid, b_mid = a_mid[:_DIFF_MAX_INPUT_LINES], b_mid[:_DIFF_MAX_INPUT_LINES]
    lines = list(_hunks(a_mid, b_mid, lo, context))
    if truncated:
        lines.append(f"… (only the first {_DIFF_MAX_INPUT_LINES} changed lines were compared)")
    return _bounded(lines, max_lines)


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _hunks(a: list[str], b: list[str], offset: int, context: int) -> Iterator[str]:
    matcher = difflib.SequenceMatcher(None, a, b)
    for group in matcher.get_grouped_opcodes(context):
        yield f"@@ line {offset + group[0][3] + 1} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (f"  {line}" for line in a[i1:i2])
                continue
            yield from (f"- {line}" for line in a[i1:i2])
            yield from (f"+ {line}" for line in b[j1:j2])


def _bounded(lines: list[str], max_lines: int) -> str:
    shown = [_clip(line) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"… {len(lines) - max_lines} more lines not shown")
    return "\n".join(shown)


def _clip(line: str) -> str:
    return line if len(line) <= _DIFF_LINE_WIDTH else line[: _DIFF_LINE_WIDTH - 1] + "…"
