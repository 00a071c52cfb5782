"""The platform's rules, exercised on Platform directly (no HTTP): tiers, quantities, preboot."""

import re

import pytest

from zdd.sandbox import ManualClock, Platform, PlatformError
from zdd.sandbox.rules import PREBOOT_IN_PROGRESS, buildpack_url, parse_quantity

APP = "zdd-demo"


def refusal(call, *args) -> PlatformError:
    with pytest.raises(PlatformError) as info:
        call(*args)
    return info.value


def sizes(platform: Platform) -> dict:
    return {f["type"]: (f["quantity"], f["size"]) for f in platform.formation_list(APP)}


@pytest.mark.parametrize(
    "value,current,expected",
    [(2, 1, 2), ("3", 1, 3), (" 4 ", 0, 4), ("+1", 1, 2), ("-1", 2, 1), ("+0", 5, 5), (0, 3, 0)],
)
def test_quantity_accepts_numbers_numeric_strings_and_relative(value, current, expected):
    assert parse_quantity(value, current) == expected


@pytest.mark.parametrize("value", ["two", 1.5, True, None, "-2", "1+1", ""])
def test_quantity_refuses_garbage_and_negative_results(value):
    err = refusal(parse_quantity, value, 1)
    assert err.id == "invalid_params"


def test_basic_is_limited_to_one_dyno_per_type(platform):
    err = refusal(platform.formation_update, APP, "web", {"quantity": 2})
    assert err.id == "invalid_params"
    assert err.message == "Cannot update to more than 1 Basic size dynos per process type."
    assert sizes(platform)["web"] == (1, "Basic")


def test_eco_is_limited_to_one_dyno_per_type():
    platform = Platform.from_seed(
        {"apps": [{"name": "eco-app", "formation": [{"type": "web", "size": "eco"}]}]}
    )
    err = refusal(platform.formation_update, "eco-app", "web", {"quantity": "+1"})
    assert err.message == "Cannot update to more than 1 Eco size dynos per process type."


def test_mixing_basic_with_professional_is_refused_with_the_observed_message(platform):
    err = refusal(platform.formation_update, APP, "worker", {"size": "Standard-1X"})
    assert err.id == "invalid_params"
    assert (
        err.message == "Cannot use the following dyno types in the same app: Basic and Standard-1X"
    )
    assert sizes(platform) == {"web": (1, "Basic"), "worker": (1, "Basic")}


def test_batch_moving_every_type_at_once_is_checked_as_a_whole(platform):
    out = platform.formation_batch_update(
        APP,
        [
            {"type": "web", "quantity": "2", "size": "standard-2x"},
            {"type": "worker", "dyno_size": {"name": "STANDARD-1X"}},
        ],
    )
    assert {f["type"]: (f["quantity"], f["size"]) for f in out} == {
        "web": (2, "Standard-2X"),
        "worker": (1, "Standard-1X"),
    }
    web = next(f for f in out if f["type"] == "web")
    assert web["dyno_size"]["name"] == "Standard-2X" and web["dyno_size"]["id"]


def test_batch_is_atomic_when_one_update_breaks_a_rule(platform):
    err = refusal(
        platform.formation_batch_update,
        APP,
        [{"type": "web", "size": "Standard-1X"}, {"type": "worker", "quantity": 2}],
    )
    assert "1 Basic size dynos" in err.message
    assert sizes(platform) == {"web": (1, "Basic"), "worker": (1, "Basic")}


def test_standard_and_performance_mix_freely(platform):
    platform.formation_batch_update(
        APP, [{"type": "web", "size": "Performance-M"}, {"type": "worker", "size": "Standard-1X"}]
    )
    assert sizes(platform) == {"web": (1, "Performance-M"), "worker": (1, "Standard-1X")}


def test_dyno_size_by_id_is_accepted(platform):
    size_id = platform.dyno_size_info("Standard-2X")["id"]
    platform.formation_batch_update(
        APP, [{"type": t, "dyno_size": {"id": size_id}} for t in ("web", "worker")]
    )
    assert sizes(platform)["web"] == (1, "Standard-2X")


def test_performance_is_capped_at_ten_per_type_and_apps_at_one_hundred(platform):
    platform.formation_batch_update(
        APP, [{"type": t, "size": "Performance-M"} for t in ("web", "worker")]
    )
    err = refusal(platform.formation_update, APP, "web", {"quantity": 11})
    assert err.message == "Cannot update to more than 10 Performance-M size dynos per process type."
    platform.formation_batch_update(
        APP, [{"type": t, "size": "Standard-1X", "quantity": 50} for t in ("web", "worker")]
    )
    err = refusal(platform.formation_update, APP, "web", {"quantity": 51})
    assert err.message == "Cannot update to more than 100 dynos per app."


def test_unknown_size_is_422_and_private_sizes_need_a_space(platform):
    err = refusal(platform.formation_update, APP, "web", {"size": "Huge-9X"})
    assert err.id == "invalid_params"
    assert "Huge-9X" in err.message
    err = refusal(platform.formation_update, APP, "web", {"size": "Private-M"})
    assert "Private Spaces" in err.message


def test_unknown_process_type_app_and_feature_are_404_with_resource(platform):
    err = refusal(platform.formation_update, APP, "clock", {"quantity": 1})
    assert (err.id, err.resource) == ("not_found", "formation")
    assert err.message == "Couldn't find that formation."
    err = refusal(platform.formation_batch_update, APP, [{"type": "clock", "quantity": 1}])
    assert err.message == "Couldn't find that formation."
    err = refusal(platform.app_info, "nope-app")
    assert err.body() == {
        "resource": "app",
        "id": "not_found",
        "message": "Couldn't find that app.",
    }
    err = refusal(platform.feature_info, APP, "warp-drive")
    assert (err.id, err.resource, err.message) == (
        "not_found",
        "feature",
        "Couldn't find that feature.",
    )


def test_preboot_needs_professional_dynos(platform):
    err = refusal(platform.feature_update, APP, "preboot", True)
    assert err.id == "invalid_params"
    platform.formation_batch_update(
        APP, [{"type": t, "size": "Standard-1X"} for t in ("web", "worker")]
    )
    assert platform.feature_update(APP, "preboot", True)["enabled"] is True
    assert platform.feature_update(APP, "http-session-affinity", True)["enabled"] is True


def test_preboot_refusal_message_is_configurable():
    platform = Platform.from_seed(
        {
            "preboot_refusal_message": "No preboot for you.",
            "apps": [{"name": "app-1", "formation": [{"type": "web", "size": "Basic"}]}],
        }
    )
    assert (
        refusal(platform.feature_update, "app-1", "preboot", True).message == "No preboot for you."
    )


def preboot_app(clock: ManualClock, seconds: float = 30) -> Platform:
    return Platform.from_seed(
        {
            "apps": [
                {
                    "name": "pb-app",
                    "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
                    "features": {"preboot": True},
                    "preboot_in_progress_seconds": seconds,
                }
            ]
        },
        clock=clock,
    )


def test_formation_change_is_refused_during_a_preboot_window_then_allowed(clock):
    platform = preboot_app(clock)
    platform.formation_update("pb-app", "web", {"quantity": 3})  # no window at start
    platform.config_var_update("pb-app", {"FOO": "bar"})  # a release starts preboot
    err = refusal(platform.formation_update, "pb-app", "web", {"quantity": 4})
    assert (err.id, err.message) == ("invalid_params", PREBOOT_IN_PROGRESS)
    new = [d for d in platform.dyno_list("pb-app") if d["release"]["version"] == 3]
    assert {d["state"] for d in new} == {"starting"}
    clock.advance(29)
    refusal(platform.formation_batch_update, "pb-app", [{"type": "web", "quantity": 4}])
    clock.advance(1.5)
    assert all(d["state"] == "up" for d in platform.dyno_list("pb-app"))
    assert platform.formation_update("pb-app", "web", {"quantity": 4})["quantity"] == 4
    assert [d["state"] for d in platform.dyno_list("pb-app")] == ["up"] * 3 + ["starting"]


def test_no_preboot_window_when_preboot_is_off(clock):
    platform = preboot_app(clock)
    platform.feature_update("pb-app", "preboot", False)
    platform.config_var_update("pb-app", {"FOO": "bar"})
    assert platform.formation_update("pb-app", "web", {"quantity": 1})["quantity"] == 1


def test_control_can_start_a_preboot_window(platform, clock):
    platform.clock = clock
    platform.start_preboot(APP, 5)
    refusal(platform.formation_update, APP, "web", {"quantity": 0})
    clock.advance(6)
    assert platform.formation_update(APP, "web", {"quantity": 0})["quantity"] == 0


def test_config_changes_make_releases_and_buildpack_changes_do_not(platform):
    before = platform.release_list(APP)
    merged = platform.config_var_update(APP, {"ZDD_APP": APP, "JAVA_OPTS": None})
    assert merged == {"ZDD_APP": APP}
    after = platform.release_list(APP)
    assert len(after) == len(before) + 1
    new = after[-1]
    assert new["version"] == before[-1]["version"] + 1
    assert new["description"] == "Set ZDD_APP and remove JAVA_OPTS config vars"
    assert new["current"] is True and after[-2]["current"] is False
    assert platform.config_var_info_for_app_release(APP, str(before[-1]["version"])) == {
        "JAVA_OPTS": "-Xss512k"
    }
    platform.buildpack_installation_update(APP, [{"buildpack": "heroku/jvm"}])
    assert len(platform.release_list(APP)) == len(after)


def test_config_var_update_validates_names_and_values(platform):
    assert refusal(platform.config_var_update, APP, {"BAD-NAME": "x"}).id == "invalid_params"
    assert refusal(platform.config_var_update, APP, {"N": 3}).id == "invalid_params"
    assert platform.config_var_update(APP, {}) == {"JAVA_OPTS": "-Xss512k"}


@pytest.mark.parametrize(
    "given,stored",
    [
        ("heroku/java", "urn:buildpack:heroku/java"),
        ("urn:buildpack:heroku/jvm", "urn:buildpack:heroku/jvm"),
        (
            "https://codon-buildpacks.s3.amazonaws.com/buildpacks/heroku/jvm-common.tgz",
            "urn:buildpack:heroku/jvm-common",
        ),
        ("https://github.com/x/zdd-buildpack", "https://github.com/x/zdd-buildpack"),
    ],
)
def test_buildpacks_are_stored_as_urn_or_url(given, stored):
    assert buildpack_url(given) == stored


def test_buildpack_replace_keeps_order_and_empty_clears(platform):
    out = platform.buildpack_installation_update(
        APP, [{"buildpack": "https://example.com/zdd.tgz"}, {"buildpack": "heroku/java"}]
    )
    assert [(b["ordinal"], b["buildpack"]["name"]) for b in out] == [
        (0, "https://example.com/zdd.tgz"),
        (1, "heroku/java"),
    ]
    assert platform.buildpack_installation_update(APP, []) == []
    assert refusal(buildpack_url, "not a buildpack").id == "invalid_params"


def test_dynos_follow_the_formation_and_current_release(platform):
    platform.formation_batch_update(
        APP,
        [
            {"type": "web", "quantity": 3, "size": "Standard-1X"},
            {"type": "worker", "quantity": 0, "size": "Standard-1X"},
        ],
    )
    dynos = platform.dyno_list(APP)
    assert sorted(d["name"] for d in dynos) == ["web.1", "web.2", "web.3"]
    current = platform.release_list(APP)[-1]
    assert {d["release"]["version"] for d in dynos} == {current["version"]}
    assert platform.dyno_info(APP, "web.2")["size"] == "Standard-1X"
    assert refusal(platform.dyno_info, APP, "web.9").id == "not_found"


def test_rollback_restores_config_in_a_new_release(platform):
    first = platform.release_list(APP)[-1]
    platform.config_var_update(APP, {"JAVA_OPTS": "-Xmx300m"})
    rel = platform.release_create(APP, {"release": first["id"]})
    assert rel["description"] == f"Rollback to v{first['version']}"
    assert platform.config_var_info_for_app(APP) == {"JAVA_OPTS": "-Xss512k"}


def test_oauth_scope_validation(platform):
    err = refusal(platform.oauth_authorization_create, {"scope": ["root"]})
    assert err.id == "invalid_params"
    auth = platform.oauth_authorization_create({"scope": ["read", "write"], "description": "ci"})
    assert auth["scope"] == ["read", "write"] and auth["access_token"]["token"]
    assert platform.authenticate(auth["access_token"]["token"]).scope == ("read", "write")
    platform.oauth_authorization_delete(auth["id"])
    assert refusal(platform.authenticate, auth["access_token"]["token"]).id == "unauthorized"


def test_app_create_and_delete(platform):
    made = platform.app_create({"name": "made-here"})
    assert made["name"] == "made-here" and made["id"] != platform.apps["zdd-demo"].id
    assert [r["description"] for r in platform.release_list("made-here")] == ["Initial release"]
    assert platform.formation_list("made-here") == []
    assert (
        refusal(platform.app_create, {"name": "made-here"}).message
        == "Name made-here is already taken"
    )
    assert refusal(platform.app_create, {"region": "mars"}).id == "not_found"
    generated = platform.app_create({})["name"]
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{5}", generated)
    platform.app_delete(made["id"])
    assert refusal(platform.app_info, "made-here").id == "not_found"
