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


@pytest.mark.parametrize(
    ("text", "name", "label", "severity"),
    [
        # English: docket entries and opinions as courts write them
        ("[Order of Extradition] USA v. Vladimir Zhukov", "Zhukov", "extradition", "high"),
        (
            "[Order Certifying Extraditability and Committing to Custody] USA v. Zhukov",
            "Zhukov",
            "extradition",
            "high",
        ),
        ("[Surrender Warrant] USA v. Vladimir Zhukov", "Zhukov", "extradition", "high"),
        ("[Detention Order] USA v. Vladimir Zhukov", "Zhukov", "arrest", "high"),
        ("Vladimir Zhukov was convicted of fraud.", "Zhukov", "conviction", "high"),
        ("Vladimir Zhukov was sentenced to five years.", "Zhukov", "conviction", "high"),
        ("[Judgment Filed (Merits Panel)] Tyson Brody v. DOJ", "Brody", "decision", "medium"),
        ("Opinion of the court in Zhukov v. Smith, No. 20-5101.", "Zhukov", "decision", "medium"),
        ("[Order Filed (CLERK)] USA v. Randy Koontz", "Koontz", "decision", "medium"),
        ("The ruling in the case of Vladimir Zhukov was issued.", "Zhukov", "decision", "medium"),
        ("Vladimir Zhukov was acquitted on all counts.", "Zhukov", "decision", "medium"),
        ("The appeal of Vladimir Zhukov was dismissed.", "Zhukov", "decision", "medium"),
        ("Vladimir Zhukov lodged an appeal on Monday.", "Zhukov", "decision", "medium"),
        # Russian
        ("Суд приговорил Владимира Жукова к пяти годам.", "Жукова", "conviction", "high"),
        ("Владимир Жуков осуждён за мошенничество.", "Жуков", "conviction", "high"),
        ("Владимиру Жукову вынесли обвинительный приговор.", "Жукову", "conviction", "high"),
        ("Суд вынес решение по делу Владимира Жукова.", "Жукова", "decision", "medium"),
        ("Апелляционная жалоба Владимира Жукова отклонена.", "Жукова", "decision", "medium"),
        ("Владимир Жуков оправдан.", "Жуков", "decision", "medium"),
        # French
        ("Vladimir Joukov a été condamné à trois ans.", "Joukov", "conviction", "high"),
        ("La cour a ordonné l'extradition de Vladimir Joukov.", "Joukov", "extradition", "high"),
        ("Vladimir Joukov a été placé en détention.", "Joukov", "arrest", "high"),
        ("Le jugement concernant Vladimir Joukov est rendu.", "Joukov", "decision", "medium"),
        ("Vladimir Joukov a formé un pourvoi en cassation.", "Joukov", "decision", "medium"),
        # German
        ("Wladimir Schukow wurde zu drei Jahren verurteilt.", "Schukow", "conviction", "high"),
        ("Wladimir Schukow wurde an Russland ausgeliefert.", "Schukow", "extradition", "high"),
        ("Wladimir Schukow wurde festgenommen.", "Schukow", "arrest", "high"),
        ("Das Urteil gegen Wladimir Schukow ist rechtskräftig.", "Schukow", "decision", "medium"),
        ("Der Beschluss über Wladimir Schukow wurde verkündet.", "Schukow", "decision", "medium"),
    ],
)
def test_a_court_outcome_has_its_label_and_severity(
    text: str, name: str, label: str, severity: str
) -> None:
    context = classify_context(text, around(text, name))
    assert label in context.labels, context
    assert context.severity == severity


@pytest.mark.parametrize(
    "text",
    [
        "Vladimir Zhukov travelled in order to meet friends.",
        "Vladimir Zhukov went on vacation and relaxed.",
        "Public opinion about Vladimir Zhukov is divided.",
        "Vladimir Zhukov placed an order for books.",
    ],
)
def test_everyday_words_that_look_like_court_words_are_no_decision(text: str) -> None:
    context = classify_context(text, around(text, "Zhukov"))
    assert "decision" not in context.labels and context.severity == "low"


def test_a_caption_is_one_sentence_so_its_docket_text_labels_the_party() -> None:
    text = "Filed 2023-02-03. [Order of Extradition] USA v. Vladimir Zhukov. Next entry."
    context = classify_context(text, around(text, "Vladimir Zhukov"))
    assert context.labels[0] == "extradition" and context.severity == "high"
