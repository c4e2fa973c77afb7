"""After signing in or a verdict the app sends the browser to a path of its own site only: never
to another site, however the address is disguised (an open redirect would let a phishing mail
borrow redwatch's address)."""

from __future__ import annotations

import pytest

from monitor.web.paths import local_path


@pytest.mark.parametrize(
    "path", ["/", "/people/person-amina", "/review?page=2", "/people/p-1#open", "/a:b"]
)
def test_a_path_of_this_site_is_kept(path: str) -> None:
    assert local_path(path) == path


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "people/x",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/x\x7f",
        "javascript:alert(1)",
        "http:/evil.example",
        "/" + "a" * 600,
    ],
)
def test_anything_that_could_lead_elsewhere_is_no_path(target: str | None) -> None:
    assert local_path(target) is None
