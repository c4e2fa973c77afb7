"""Sentence bounds: evidence and context see the whole sentence of a mention, legal dots included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.matching.sentences import sentence_around, sentence_bounds


def around(text: str, name: str) -> str:
    start = text.index(name)
    return sentence_around(text, (start, start + len(name)))


@pytest.mark.parametrize(
    ("text", "name", "sentence"),
    [
        (
            "Judgment in Case 20-5101, Talal Al-Zahrani v. United States. The clerk filed it.",
            "Talal Al-Zahrani",
            "Judgment in Case 20-5101, Talal Al-Zahrani v. United States.",
        ),
        (
            "Docket. [Order of Extradition] USA v. Vladimir Zhukov, No. 1:23-mj-01234. Filed.",
            "Vladimir Zhukov",
            "[Order of Extradition] USA v. Vladimir Zhukov, No. 1:23-mj-01234.",
        ),
        (
            "The U.S. Court of Appeals heard Zhukov v. Acme Inc. and Others Ltd. on Monday.",
            "Zhukov",
            "The U.S. Court of Appeals heard Zhukov v. Acme Inc. and Others Ltd. on Monday.",
        ),
        (
            "Matthew Couch v. Verizon Communications Inc., et al. Was decided. Next.",
            "Matthew Couch",
            "Matthew Couch v. Verizon Communications Inc., et al. Was decided.",
        ),
        (
            "Arrêt. Affaire Ablyazov c. France: la Cour a statué. Suite.",
            "Ablyazov",
            "Affaire Ablyazov c. France: la Cour a statué.",
        ),
        (
            "Решение. Дело «Аблязов против Казахстана», ст. 3 Конвенции. Далее.",
            "Аблязов",
            "Дело «Аблязов против Казахстана», ст. 3 Конвенции.",
        ),
        (
            "Earlier news. Mr. Ablyazov and Dr. Zhukov met J. R. Smith in St. Petersburg. Later.",
            "Ablyazov",
            "Mr. Ablyazov and Dr. Zhukov met J. R. Smith in St. Petersburg.",
        ),
        (
            "Docket. Zhukov v. Smith, Case No. CR-20-5101 (D.D.C.). Filed.",
            "Zhukov",
            "Zhukov v. Smith, Case No. CR-20-5101 (D.D.C.).",
        ),
        (
            "See Smith v. Jones, 123 F. Supp. 2d 456 (S.D.N.Y. 2000). Zhukov appealed.",
            "Smith",
            "See Smith v. Jones, 123 F. Supp. 2d 456 (S.D.N.Y. 2000).",
        ),
    ],
)
def test_a_legal_abbreviation_caption_or_initial_does_not_end_the_sentence(
    text: str, name: str, sentence: str
) -> None:
    assert around(text, name) == sentence


@pytest.mark.parametrize(
    ("text", "name", "sentence"),
    [
        ("Zhukov spoke. Another man was arrested.", "Zhukov", "Zhukov spoke."),
        ("A man was arrested. Zhukov spoke! Then?", "Zhukov", "Zhukov spoke!"),
        ("Он сказал: «Нет». Жуков задержан.", "Жуков", "Жуков задержан."),
        ('He said "no." Zhukov left.', "Zhukov", "Zhukov left."),
        ("Title of the entry\n\nZhukov was heard", "Zhukov", "Zhukov was heard"),
        (
            "He was arrested in Jan. 2020 and Zhukov was not.",
            "Zhukov",
            "He was arrested in Jan. 2020 and Zhukov was not.",
        ),
    ],
)
def test_a_real_sentence_end_still_ends_the_sentence(text: str, name: str, sentence: str) -> None:
    assert around(text, name) == sentence


def test_the_dot_of_an_initial_inside_the_mention_is_no_end() -> None:
    text = "Earlier. The court heard M. K. Ablyazov. Later."
    start, end = text.index("M. K."), text.index(". Later")
    assert sentence_around(text, (start, end)) == "The court heard M. K. Ablyazov."


def test_a_sentence_without_an_end_in_reach_is_cut_at_400_characters_each_side() -> None:
    text = "word " * 200 + "Zhukov" + " word" * 200
    sentence = around(text, "Zhukov")
    assert "Zhukov" in sentence and len(sentence) <= 400 * 2 + len("Zhukov")


@given(st.text(alphabet="ab .!?\n\u2026\u00abAB\u0416v", max_size=300), st.data())
def test_the_sentence_always_holds_the_whole_mention(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    lo, hi = sentence_bounds(text, (start, end))
    assert lo <= start and hi >= end
    assert text[start:end].strip() in sentence_around(text, (start, end))
