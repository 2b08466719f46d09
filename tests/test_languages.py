"""languages: what a feed says its language is -> a tag a page may carry, and its direction. Pure."""

from __future__ import annotations

import pytest

from aggregator.languages import LANGUAGE_LIMIT, language_tag, text_direction


@pytest.mark.parametrize(
    ("stated", "tag"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),  # regions in upper case
        ("en-us", "en-US"),
        ("en_US", "en-US"),  # the underscore of locales (WordPress, Java) is a hyphen in a tag
        ("  ur\n", "ur"),
        ("zh-hant-tw", "zh-Hant-TW"),  # scripts in title case
        ("SR-LATN-RS", "sr-Latn-RS"),
        ("es-419", "es-419"),  # a numeric region
        ("de-CH-1901", "de-CH-1901"),  # a variant
        ("en-US-x-TWAIN", "en-US-x-twain"),  # after a singleton, all lower case
        ("fil", "fil"),
    ],
)
def test_a_stated_language_becomes_a_tag_in_its_usual_case(stated: str, tag: str) -> None:
    assert language_tag(stated) == tag


@pytest.mark.parametrize(
    "stated",
    [
        None,
        "",
        "English",  # a name, not a code
        "e",
        "en-",
        "en--gb",
        "en gb",
        'en" onmouseover="alert(1)',
        "<script>",
        "x-klingon",  # private use only: no language a browser knows
        "und",  # undetermined
        "mul",  # several
        "zxx",  # no linguistic content
        "en-" + "a" * 9,  # a subtag is eight characters at most
        "en-" + "-".join(["abcdefgh"] * 4),  # 38 characters: past the limit
    ],
)
def test_anything_else_is_no_language(stated: str | None) -> None:
    assert language_tag(stated) is None


def test_the_limit_holds_long_tags_in_use() -> None:
    long = "ZH-HANT-CN-x-private1-private2"
    assert len(long) <= LANGUAGE_LIMIT
    assert language_tag(long) == "zh-Hant-CN-x-private1-private2"


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar", "rtl"),
        ("ar-EG", "rtl"),
        ("he", "rtl"),
        ("iw", "rtl"),  # Hebrew's former code, still written by some platforms
        ("fa-IR", "rtl"),
        ("ur", "rtl"),
        ("ps", "rtl"),
        ("sd", "rtl"),
        ("yi", "rtl"),
        ("dv", "rtl"),
        ("ckb", "rtl"),  # Sorani Kurdish, in Arabic letters
        ("ku", "ltr"),  # Kurdish unqualified: Kurmanji, in Latin letters
        ("az-Arab", "rtl"),  # the script decides
        ("sd-Deva", "ltr"),
        ("ur-Latn", "ltr"),
        ("en", "ltr"),
        ("en-GB", "ltr"),
        ("ja", "ltr"),
        (None, "ltr"),
        ("not a language", "ltr"),
    ],
)
def test_direction_follows_the_language_and_its_script(tag: str | None, direction: str) -> None:
    assert text_direction(tag) == direction
