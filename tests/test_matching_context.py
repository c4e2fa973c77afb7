"""Context: what a text says about the person around the mention, in English and Russian."""

from __future__ import annotations

import pytest

from monitor.matching import classify_context


def around(text: str, name: str) -> tuple[int, int]:
    start = text.index(name)
    return start, start + len(name)


@pytest.mark.parametrize(
    ("text", "label", "severity"),
    [
        ("Mukhtar Ablyazov was detained in Cannes.", "arrest", "high"),
        ("France decided to extradite Mukhtar Ablyazov to Russia.", "extradition", "high"),
        ("Mukhtar Ablyazov is wanted under an INTERPOL Red Notice.", "red_notice", "high"),
        ("Mukhtar Ablyazov was granted refugee status.", "asylum", "medium"),
        ("The court will hear Mukhtar Ablyazov on Monday.", "court", "medium"),
        ("Mukhtar Ablyazov was released on bail.", "release", "medium"),
        ("Мухтара Аблязова задержали во Франции.", "arrest", "high"),
        ("Суд отказал в экстрадиции Мухтара Аблязова.", "extradition", "high"),
        ("Мухтару Аблязову предоставили убежище.", "asylum", "medium"),
        ("Мухтар Аблязов объявлен в розыск через Интерпол.", "red_notice", "high"),
    ],
)
def test_it_labels_what_the_sentence_says(text: str, label: str, severity: str) -> None:
    name = "Ablyazov" if "Ablyazov" in text else "Аблязов"
    context = classify_context(text, around(text, name))
    assert label in context.labels
    assert context.severity == severity


def test_it_reads_only_the_sentence_of_the_mention() -> None:
    text = "Mukhtar Ablyazov spoke at a conference. Another man was arrested later."
    context = classify_context(text, around(text, "Ablyazov"))
    assert context.labels == ()
    assert context.severity == "low"
