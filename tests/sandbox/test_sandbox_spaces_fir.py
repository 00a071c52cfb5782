"""Private/Shield Spaces (issue 8 item 19) and Fir-generation apps."""

import re

import pytest

from zdd.sandbox import ManualClock, Platform, PlatformError


def refusal(call, *args) -> PlatformError:
    with pytest.raises(PlatformError) as info:
        call(*args)
    return info.value


def space_app(size: str = "Private-M", **app) -> Platform:
    spec = {
        "name": "ps-app",
        "formation": [
            {"type": "web", "quantity": 2, "size": size},
            {"type": "worker", "quantity": 1, "size": size},
        ],
        **app,
    }
    return Platform.from_seed({"apps": [spec]}, clock=ManualClock(start=1_000.0))


# -- Private / Shield Spaces (item 19) ----------------------------------------------------------
def test_quantity_changes_on_private_sizes_are_allowed_within_the_space_limits():
    platform = space_app()
    assert platform.app_info("ps-app")["space"]["name"] == "ps-app-space"  # given a space
    assert platform.formation_update("ps-app", "web", {"quantity": 4})["quantity"] == 4
    batch = [{"type": "web", "quantity": 6}, {"type": "worker", "quantity": "+1"}]
    assert [f["quantity"] for f in platform.formation_batch_update("ps-app", batch)] == [6, 2]
    err = refusal(platform.formation_update, "ps-app", "web", {"quantity": 11})
    assert err.message == "Cannot update to more than 10 Private-M size dynos per process type."


def test_size_changes_inside_the_space_are_allowed_and_moves_out_are_refused():
    platform = space_app()
    assert platform.formation_update("ps-app", "web", {"size": "Private-L"})["size"] == "Private-L"
    err = refusal(platform.formation_update, "ps-app", "web", {"size": "Standard-2X"})
    assert (err.id, err.message) == (
        "invalid_params",
        "Cannot use Standard-2X dynos in the Private Space ps-app-space: its apps run Private-* "
        "dynos only.",
    )
    refusal(platform.formation_update, "ps-app", "web", {"size": "Shield-M"})
    assert platform.formation_info("ps-app", "web")["size"] == "Private-L"


def test_a_shield_space_takes_the_private_spelling_the_cli_sends():
    platform = space_app("Shield-M", space={"name": "vault", "shield": True})
    assert platform.app_info("ps-app")["space"] == {
        "id": platform.app_info("ps-app")["space"]["id"],
        "name": "vault",
        "shield": True,
    }
    assert platform.formation_update("ps-app", "web", {"size": "Private-M", "quantity": "3"})
    assert platform.formation_update("ps-app", "web", {"size": "Shield-L"})["size"] == "Shield-L"
    refusal(platform.formation_update, "ps-app", "web", {"size": "Performance-M"})


def test_common_runtime_apps_cannot_move_into_private_sizes():
    platform = Platform.from_seed(
        {"apps": [{"name": "cr-app", "formation": [{"type": "web", "size": "Standard-1X"}]}]}
    )
    err = refusal(platform.formation_update, "cr-app", "web", {"size": "Private-S"})
    assert err.message == "Private-S dynos are only available in Private Spaces."


def test_space_apps_deploy_with_rolling_restarts_and_no_affinity():
    platform = space_app()
    clock = platform.clock
    err = refusal(platform.feature_update, "ps-app", "http-session-affinity", True)
    assert err.message == "Session affinity is not available for apps in Private Spaces."
    platform.config_var_update("ps-app", {"A": "1"})  # v3
    assert platform.router_view("ps-app")["releases"] == [2]  # the old ones serve until replaced
    clock.advance(5)  # default boot 5 s: each new dyno is up, its predecessor gets SIGTERM
    assert platform.router_view("ps-app")["releases"] == [3]
    assert not [s for s in platform.router_view("ps-app")["timeline"] if not s["releases"]]


# -- Fir ------------------------------------------------------------------------------------------
def fir_app(**app) -> Platform:
    spec = {
        "name": "fir-app",
        "generation": "fir",
        "formation": [{"type": "web", "quantity": 2, "size": "dyno-1c-0.5gb"}],
        **app,
    }
    return Platform.from_seed({"apps": [spec]}, clock=ManualClock(start=1_000.0))


def test_fir_apps_have_fir_sizes_names_and_generation():
    platform = fir_app()
    assert platform.app_info("fir-app")["generation"]["name"] == "fir"
    names = [d["name"] for d in platform.dyno_list("fir-app")]
    assert all(re.fullmatch(r"web-[0-9a-f]{8,10}-[a-z0-9]{5}", n) for n in names), names
    sizes = {s["name"] for s in platform.app_available_dyno_sizes("fir-app")}
    assert "dyno-2c-4gb" in sizes and "Standard-1X" not in sizes
    assert platform.formation_update("fir-app", "web", {"size": "dyno-2c-4gb"})["size"]
    err = refusal(platform.formation_update, "fir-app", "web", {"size": "Standard-1X"})
    assert err.message == "Standard-1X is not available for Fir-generation apps."
    fir = platform.generation_info("fir")
    assert platform.generation_info(fir["id"]) == fir


def test_fir_refuses_preboot_affinity_and_classic_buildpacks():
    platform = fir_app()
    for feature in ("preboot", "http-session-affinity"):
        assert refusal(platform.feature_update, "fir-app", feature, True).id == "invalid_params"
    err = refusal(platform.buildpack_installation_update, "fir-app", [{"buildpack": "heroku/java"}])
    assert "Classic buildpacks are not supported on Fir" in err.message
    with pytest.raises(ValueError, match="Preboot is not available on Fir"):
        fir_app(features={"preboot": True})


def test_fir_deploys_roll_without_a_gap():
    platform = fir_app()
    clock = platform.clock
    platform.release_create("fir-app", {"slug": "11111111-1111-4111-8111-111111111111"})
    assert platform.router_view("fir-app")["releases"] == [2]
    listed = [(d["release"]["version"], d["state"]) for d in platform.dyno_list("fir-app")]
    assert listed == [(3, "starting"), (3, "starting")]
    clock.advance(5)
    assert platform.router_view("fir-app")["releases"] == [3]
    assert all(s["releases"] for s in platform.router_view("fir-app")["timeline"])
