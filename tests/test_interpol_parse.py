"""monitor.interpol.parse on the real recorded responses (golden files) and on every quirk.

A golden file `<fixture>.expected.json` sits next to each recording. When one is missing the
test writes it and fails: a person reads it, and the next run compares against it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from monitor.exc import ParseError
from monitor.interpol.parse import (
    entity_id_from_url_id,
    is_not_found_body,
    parse_detail,
    parse_images,
    parse_list,
    parse_list_item,
    url_id,
)
from monitor.items import Item
from tests.paths import FIXTURES

HERE = FIXTURES / "interpol"
# Details with the edge cases SOURCES.md lists: year-only birth date with a translated Arabic
# charge, two warrants, nationalities null, linked notices, no thumbnail, height/weight 0.
EDGE_CASES = (
    "2018/14264",
    "2013/5486",
    "2016/23288",
    "2014/76417",
    "2008/40643",
    "2016/33382",
    "2015/60878",
    "2022/28547",
)


def golden(fixture: str, actual: object, suffix: str = "expected") -> None:
    path = HERE / f"{Path(fixture).stem}.{suffix}.json"
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"wrote {path.name}: read it, then run the test again")
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


def shown(item: Item) -> dict[str, Any]:
    return {"key": item.key, "title": item.title, "url": item.url, "data": dict(item.data)}


def read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def recorded_details() -> dict[str, dict[str, Any]]:
    return {d["entity_id"]: d for d in json.loads(read("interpol_red_detail_antontsiklop.json"))}


# Golden files ---------------------------------------------------------------------------------
def test_the_2021_list_response_parses_to_its_golden_file() -> None:
    name = "interpol_red_list_kelsonbatista_2021-12-11.json"
    page = parse_list(read(name), "red")
    golden(
        name,
        {
            "total": page.total,
            "links": dict(page.links),
            "problems": list(page.problems),
            "items": [shown(i) for i in page.items],
        },
    )


def test_the_2019_detail_response_parses_to_its_golden_file() -> None:
    name = "interpol_red_detail_sergiyshpak_2019-11.json"
    golden(name, shown(parse_detail(read(name), "red")))


def test_the_recorded_edge_case_details_parse_to_their_golden_file() -> None:
    details = recorded_details()
    parsed = {
        eid: shown(parse_detail(json.dumps(details[eid]).encode(), "red")) for eid in EDGE_CASES
    }
    golden("interpol_red_detail_antontsiklop.json", parsed, suffix="edge_cases.expected")


def test_the_images_response_parses_to_its_golden_file() -> None:
    name = "interpol_red_images_snippet_2022-23535.json"
    golden(name, list(parse_images(read(name))))


def test_yellow_list_items_parse_to_their_golden_file() -> None:
    name = "interpol_yellow_list_items_first_array_antontsiklop.json"
    items = [shown(parse_list_item(obj, "yellow")) for obj in json.loads(read(name))[:10]]
    golden(name, items)


# The whole snapshot ---------------------------------------------------------------------------
def test_every_notice_of_the_2023_snapshot_parses_with_the_counts_api_md_reports() -> None:
    pages = json.loads(read("interpol_red_list_items_bulk_2023-05-16_antontsiklop.json"))
    items = {}
    for page in pages:
        for obj in page:
            item = parse_list_item(obj, "red")
            items[item.key] = item
    assert len(items) == 6934
    assert sum(1 for i in items.values() if i.data["birth_date_precision"] == "year") == 118
    assert sum(1 for i in items.values() if i.data["birth_date"] is None) == 4
    assert sum(1 for i in items.values() if not i.data["nationalities"]) == 116
    assert sum(1 for i in items.values() if len(i.data["nationalities"]) > 1) == 257
    assert sum(1 for i in items.values() if i.data["thumbnail_url"] is None) == 329
    assert all(i.data["unknown_fields"] == [] for i in items.values())


def test_every_recorded_detail_parses() -> None:
    for detail in recorded_details().values():
        item = parse_detail(json.dumps(detail).encode(), "red")
        assert item.data["arrest_warrants"]
        assert item.data["unknown_fields"] == []


# Quirks ---------------------------------------------------------------------------------------
def a_real_item() -> dict[str, Any]:
    page = json.loads(read("interpol_red_list_kelsonbatista_2021-12-11.json"))
    return copy.deepcopy(page["_embedded"]["notices"][0])


@pytest.mark.parametrize("forename", [None, "-", "", "  "])
def test_a_missing_forename_is_no_forename(forename: str | None) -> None:
    obj = a_real_item() | {"forename": forename}
    item = parse_list_item(obj, "red")
    assert item.data["forename"] is None
    assert item.title == obj["name"]


def test_a_notice_with_both_names_null_is_still_an_item() -> None:
    item = parse_list_item(a_real_item() | {"name": None, "forename": None}, "red")
    assert item.data["name"] is None
    assert item.data["forename"] is None
    assert item.title == "(no name)"
    assert item.key == "interpol:red:2021/75051"


def test_a_year_only_birth_date_keeps_its_precision() -> None:
    item = parse_list_item(a_real_item() | {"date_of_birth": "1985"}, "red")
    assert item.data["birth_date"] == "1985"
    assert item.data["birth_date_precision"] == "year"


def test_a_full_birth_date_becomes_iso() -> None:
    item = parse_list_item(a_real_item(), "red")
    assert item.data["birth_date"] == "1979-01-17"
    assert item.data["birth_date_precision"] == "day"


@pytest.mark.parametrize("value", [None, "", "unknown", "85/01/01"])
def test_an_unreadable_birth_date_is_no_birth_date(value: str | None) -> None:
    item = parse_list_item(a_real_item() | {"date_of_birth": value}, "red")
    assert item.data["birth_date"] is None


def test_null_nationalities_are_no_nationality() -> None:
    item = parse_list_item(a_real_item() | {"nationalities": None}, "red")
    assert item.data["nationalities"] == []


def test_height_and_weight_zero_are_unknown() -> None:
    detail = recorded_details()["2022/28547"]
    assert (detail["height"], detail["weight"]) == (0, 0)
    item = parse_detail(json.dumps(detail).encode(), "red")
    assert item.data["height_m"] is None
    assert item.data["weight_kg"] is None


def test_charges_keep_their_words_with_unified_line_breaks() -> None:
    detail = recorded_details()["2018/14264"]
    item = parse_detail(json.dumps(detail, ensure_ascii=False).encode(), "red")
    (warrant,) = item.data["arrest_warrants"]
    assert "\r" not in warrant["charge"]
    assert warrant["charge"] == detail["arrest_warrants"][0]["charge"].replace("\r\n", "\n")
    assert warrant["issuing_country"] == "IQ"
    assert warrant["charge_translation"].startswith("Terrorist")


def test_a_detail_keeps_its_exact_bytes_as_raw() -> None:
    body = read("interpol_red_detail_sergiyshpak_2019-11.json")
    assert parse_detail(body, "red").raw == body


def test_a_list_item_raw_is_the_item_as_published() -> None:
    obj = a_real_item()
    assert json.loads(parse_list_item(obj, "red").raw) == obj


def test_links_come_from_the_item_links() -> None:
    obj = a_real_item()
    obj["_links"]["self"]["href"] = "https://ws-public.interpol.int/notices/v1/red/2021-75051?x=1"
    item = parse_list_item(obj, "red")
    assert item.url == obj["_links"]["self"]["href"]
    assert item.data["images_url"] == obj["_links"]["images"]["href"]


def test_an_item_without_links_gets_the_url_form_of_its_id() -> None:
    obj = a_real_item()
    del obj["_links"]
    assert (
        parse_list_item(obj, "red").url
        == "https://ws-public.interpol.int/notices/v1/red/2021-75051"
    )


def test_unknown_fields_are_listed_not_dropped_silently() -> None:
    item = parse_list_item(a_real_item() | {"aliases_new": ["X"]}, "red")
    assert item.data["unknown_fields"] == ["aliases_new"]


def test_ids_convert_between_the_api_and_url_forms() -> None:
    assert url_id("2019/114539") == "2019-114539"
    assert entity_id_from_url_id("2019-114539") == "2019/114539"
    for bad in ("2019-114539/../x", "19/1", "2019/", "abcd/12"):
        with pytest.raises(ParseError):
            url_id(bad)


def test_an_item_without_a_valid_id_is_reported_and_the_rest_kept() -> None:
    page = json.loads(read("interpol_red_list_kelsonbatista_2021-12-11.json"))
    page["_embedded"]["notices"][3]["entity_id"] = "../../admin"
    parsed = parse_list(json.dumps(page).encode(), "red")
    assert len(parsed.items) == 19
    assert parsed.problems == ("item 3: notice without a valid entity_id",)
    assert parsed.total == 7527


@pytest.mark.parametrize(
    "body",
    [
        b'{"total": 7527, "_embedded": {"notices": [{"forename"',
        b"<html>Access Denied</html>",
        b"[]",
        b'{"_embedded": {"notices": []}}',
        b'{"total": 3}',
    ],
)
def test_a_list_that_is_not_the_expected_json_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_list(body, "red")


def test_parse_errors_never_quote_the_payload() -> None:
    with pytest.raises(ParseError) as caught:
        parse_list(b'{"total": 1, "_embedded": {"notices": [{"name": "ABLYAZOV"', "red")
    assert "ABLYAZOV" not in str(caught.value)


def test_the_404_body_is_recognised() -> None:
    assert is_not_found_body(b'{"status":404,"name":"NotFoundError","message":"Not Found"}')
    assert is_not_found_body(read("interpol_red_detail_404_sergiyshpak_2019-11.json"))
    assert not is_not_found_body(b"<html>Not Found</html>")
    assert not is_not_found_body(read("interpol_red_detail_sergiyshpak_2019-11.json"))
