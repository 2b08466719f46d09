"""config: the HUB settings are validated once, and every error names its setting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aggregator.config import from_mapping, hub_config, load_settings
from aggregator.errors import ConfigError
from tests.conftest import ROOT

GOOD = {"course_start": "2026-09-07", "course_weeks": 6, "course_timezone": "Europe/London"}


def test_the_demo_settings_are_valid() -> None:
    config = hub_config(load_settings(ROOT / "pelicanconf.py"), ROOT)
    assert config.course.start == dt.date(2026, 9, 7)
    assert config.course.tag == "openlearning26"
    assert config.opml == ROOT / "feeds.opml"
    assert config.fetch.policy.allows("127.0.0.1") and not config.fetch.policy.allows("10.1.2.3")


def test_publish_settings_refuse_private_addresses() -> None:
    config = hub_config(load_settings(ROOT / "publishconf.py"), ROOT)
    assert not config.fetch.policy.allows("127.0.0.1")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"course_start": "2026-09-08"},
            "HUB['course_start'] must be the Monday of week 1; 2026-09-08 is a Tuesday",
        ),
        ({"course_start": "7 Sept"}, "HUB['course_start'] must be a date as YYYY-MM-DD"),
        ({"course_start": None}, "HUB['course_start'] is required"),
        ({"course_weeks": 0}, "HUB['course_weeks'] must be between 1 and 52"),
        ({"course_weeks": 6.5}, "HUB['course_weeks'] must be a whole number"),
        ({"course_weeks": "6"}, "HUB['course_weeks'] must be a number"),
        ({"course_timezone": "Europe/Londn"}, "HUB['course_timezone']: unknown time zone 'Europe/Londn'"),
        ({"course_tag": "open learning"}, "HUB['course_tag'] must be one word"),
        ({"allow_private": "yes"}, "HUB['allow_private'] must be True, False or a list"),
        ({"allow_private": ["not-an-ip"]}, "HUB['allow_private']"),
        ({"offline": "no"}, "HUB['offline'] must be True or False"),
        ({"timeout": -1}, "HUB['timeout'] must be between"),
        ({"webmention_limit": -1}, "HUB['webmention_limit'] must be between 0 and 10000, got -1"),
        ({"webmention_limit": 2.5}, "HUB['webmention_limit'] must be a whole number"),
        ({"cards_manifest": ""}, "HUB['cards_manifest'] must be a non-empty string"),
        ({"course_weks": 6}, "HUB has unknown setting(s): course_weks"),
    ],
)
def test_wrong_values_name_the_setting(override: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping({**GOOD, **override}, Path("."))
    assert message in str(caught.value)


def test_webmentions_are_bounded_by_default() -> None:
    config = from_mapping(GOOD, Path("/hub"))
    assert (config.webmention_limit, config.cards_manifest) == (50, Path("/hub/cache/cards.json"))


def test_course_tag_drops_a_leading_hash_and_none_means_no_filter() -> None:
    assert from_mapping({**GOOD, "course_tag": "#OL26"}, Path(".")).course.tag == "OL26"
    assert from_mapping(GOOD, Path(".")).course.tag is None


def test_allow_private_all_or_named() -> None:
    everything = from_mapping({**GOOD, "allow_private": True}, Path(".")).fetch.policy
    named = from_mapping({**GOOD, "allow_private": ["10.0.0.0/8"]}, Path(".")).fetch.policy
    nothing = from_mapping(GOOD, Path(".")).fetch.policy
    assert everything.allows("192.168.1.1") and everything.allows("::1")
    assert named.allows("10.9.9.9") and not named.allows("127.0.0.1")
    assert (
        not nothing.allows("127.0.0.1")
        and not nothing.allows("169.254.169.254")
        and not nothing.allows("::ffff:127.0.0.1")
    )
    assert nothing.allows("93.184.215.14")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("168.63.129.16", False),  # Azure's WireServer, reachable from every GitHub-hosted runner
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254, the metadata service
        ("64:ff9b::808:808", True),  # NAT64 of a public address
        ("64:ff9b:1::808:808", False),  # local-use NAT64 (RFC 8215)
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:808:808::1", True),  # 6to4 of a public address
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::ffff:a9fe:a9fe", False),  # IPv4-mapped metadata service
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2606:4700:4700::1111", True),
        ("ff0e::1", False),  # multicast
    ],
)
def test_addresses_that_carry_a_private_address_are_refused(address: str, public: bool) -> None:
    assert from_mapping(GOOD, Path(".")).fetch.policy.allows(address) is public


def test_allowing_an_address_allows_it_however_it_is_carried() -> None:
    policy = from_mapping({**GOOD, "allow_private": ["127.0.0.1"]}, Path(".")).fetch.policy
    assert policy.allows("::ffff:127.0.0.1") and policy.allows("64:ff9b::7f00:1")
    assert not policy.allows("64:ff9b::a9fe:a9fe") and not policy.allows("168.63.129.16")


def test_offline_switch_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert from_mapping(GOOD, Path(".")).offline is False
    monkeypatch.setenv("HUB_OFFLINE", "1")
    assert from_mapping(GOOD, Path(".")).offline is True


def test_private_addresses_for_one_run_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """HUB_ALLOW_PRIVATE, which `invoke build --allow-private` sets, names the addresses for one
    run, whatever the settings say (publishconf.py forces allow_private off)."""
    closed = {**GOOD, "allow_private": False}
    assert not from_mapping(closed, Path(".")).fetch.policy.allows("127.0.0.1")
    monkeypatch.setenv("HUB_ALLOW_PRIVATE", "127.0.0.1, 10.0.0.0/8")
    policy = from_mapping(closed, Path(".")).fetch.policy
    assert policy.allows("127.0.0.1") and policy.allows("10.1.2.3") and not policy.allows("192.168.1.1")
    monkeypatch.setenv("HUB_ALLOW_PRIVATE", "localhost")
    with pytest.raises(
        ConfigError, match="HUB_ALLOW_PRIVATE: 'localhost' does not appear to be an IPv4 or IPv6"
    ):
        from_mapping(closed, Path("."))


def test_settings_file_without_hub(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text("SITENAME = 'x'\n")
    with pytest.raises(ConfigError, match="defines no HUB settings dict"):
        load_settings(tmp_path / "conf.py")
