"""Option parsing and caps for `zdd verify` (pure)."""

import pytest

from zdd.verify.options import (
    DEFAULT_MAX_REQUESTS,
    MAX_RATE,
    MAX_REQUESTS,
    UsageError,
    build_options,
    parse_duration,
)

URL = "http://127.0.0.1:9/health"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6m", 360),
        ("90s", 90),
        ("1m30s", 90),
        ("250ms", 0.25),
        ("1.5h", 5400),
        ("45", 45),
        (" 2M ", 120),
        ("0.5", 0.5),
    ],
)
def test_durations_in_common_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "6 minutes", "m", "5x", "-3s", "0", "0s", "1m-5s", "s5"])
def test_bad_durations_name_the_flag_and_the_accepted_forms(text):
    with pytest.raises(UsageError, match=r"--tail"):
        parse_duration(text, "tail")


def test_missing_url_is_a_usage_error_with_an_example():
    with pytest.raises(UsageError, match=r"--url is required.*https://"):
        build_options(url=None)


@pytest.mark.parametrize("url", ["my-app.herokuapp.com", "ftp://x/y", "http://"])
def test_url_must_be_http_with_a_host(url):
    with pytest.raises(UsageError, match="--url"):
        build_options(url=url)


def test_rate_above_the_cap_is_refused():
    with pytest.raises(UsageError, match=f"at most {MAX_RATE:g}"):
        build_options(url=URL, rate=str(MAX_RATE + 1))
    assert build_options(url=URL, rate=str(MAX_RATE)).rate == MAX_RATE


@pytest.mark.parametrize("value", ["0", "-1", "fast", "nan"])
def test_rate_must_be_a_positive_number(value):
    with pytest.raises(UsageError, match="--rate"):
        build_options(url=URL, rate=value)


def test_request_count_is_capped():
    assert build_options(url=URL).max_requests == DEFAULT_MAX_REQUESTS
    with pytest.raises(UsageError, match="--max-requests"):
        build_options(url=URL, max_requests=str(MAX_REQUESTS + 1))
    with pytest.raises(UsageError, match="whole number"):
        build_options(url=URL, max_requests="lots")


def test_tail_defaults_to_boot_timeout_plus_preboot_switch_plus_sigterm_grace():
    assert build_options(url=URL, during="true").tail_s == 90 + 120 + 30
    assert build_options(url=URL, during="true", boot_timeout="60s").tail_s == 60 + 120 + 30
    assert build_options(url=URL, during="true", tail="10s").tail_s == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"during": "true", "duration": "1m"}, "exclude each other"),
        ({"tail": "1m"}, "only apply with --during"),
        ({"during": "true", "tail": "1m", "boot_timeout": "60s"}, "exclude each other"),
        ({"marker_header": "X-Release", "marker_json": "version"}, "pick one"),
        ({"duration": "2h", "max_duration": "1h"}, "longer than --max-duration"),
        ({"max_duration": "3h"}, "at most 2h"),
        ({"timeout": "61s"}, "--timeout: at most 60s"),
        ({"during": "  "}, "give the command"),
    ],
)
def test_conflicting_or_out_of_range_options(kwargs, message):
    with pytest.raises(UsageError, match=message):
        build_options(url=URL, **kwargs)


def test_duration_is_unset_with_during():
    opts = build_options(url=URL, during="git push heroku main")
    assert opts.duration_s is None
    assert opts.during == "git push heroku main"


def test_in_flight_limit_follows_rate_and_timeout():
    assert build_options(url=URL, rate="5", timeout="10s").max_in_flight == 51
    assert build_options(url=URL, rate="50", timeout="10s").max_in_flight == 100
