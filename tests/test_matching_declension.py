"""Russian declension: inflected names in Russian news, and the other gender's surname form."""

from __future__ import annotations

from monitor.matching.declension import decline, infer_sex


def forms(token: str, role: str, sex: str | None) -> dict[str, bool]:
    return {f.text: f.other_gender for f in decline(token, role, sex)}


def test_it_declines_a_mans_surname_in_ov() -> None:
    got = forms("Аблязов", "surname", "M")
    for form in ("аблязова", "аблязову", "аблязовым", "аблязове"):
        assert got[form] is False


def test_it_marks_the_female_form_of_a_mans_surname_as_the_other_gender() -> None:
    got = forms("Аблязов", "surname", "M")
    assert got["аблязовой"] is True
    assert got["аблязова"] is False  # also his genitive


def test_it_declines_a_womans_surname_and_marks_the_male_form() -> None:
    got = forms("Ахметова", "surname", "F")
    assert got["ахметовой"] is False
    assert got["ахметову"] is False
    assert got["ахметов"] is True


def test_it_declines_forenames_of_both_declensions() -> None:
    assert "муратбека" in forms("Муратбек", "forename", "M")
    assert "мухтаром" in forms("Мухтар", "forename", "M")
    assert "жанаре" in forms("Жанара", "forename", "F")
    assert "татьяны" in forms("Татьяна", "forename", "F")
    assert "сергея" in forms("Сергей", "forename", "M")


def test_it_leaves_indeclinable_surnames_alone() -> None:
    assert set(forms("Шевченко", "surname", "M")) == {"шевченко"}
    assert set(forms("Параскевич", "surname", "F")) - {"параскевич"} <= {
        f for f, other in forms("Параскевич", "surname", "F").items() if other
    }


def test_it_declines_adjectival_surnames() -> None:
    got = forms("Павловский", "surname", "M")
    assert got["павловского"] is False
    assert got["павловская"] is True


def test_it_guesses_sex_from_russian_endings() -> None:
    assert infer_sex("Ахметова", "Жанара") == "F"
    assert infer_sex("Павлов", None) == "M"
    assert infer_sex(None, "Никита") == "M"
