"""Releases, rollbacks, preboot windows, tier limits and token expiry, on Platform directly."""

import json
from pathlib import Path

import pytest

from zdd.sandbox import Platform, PlatformError, SeedError
from zdd.sandbox.seed import export_seed

APP = "zdd-demo"
VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def refusal(call, *args) -> PlatformError:
    with pytest.raises(PlatformError) as info:
        call(*args)
    return info.value


def slug_of(platform: Platform, version: int) -> str | None:
    body = platform.release_info(APP, str(version))
    return body["slug"]["id"] if body["slug"] else None


# -- rollback ------------------------------------------------------------------------------------
def test_rollback_carries_the_target_release_slug(platform):
    platform.release_create(APP, {"slug": "11111111-1111-4111-8111-111111111111"})  # v3
    platform.release_create(APP, {"slug": "22222222-2222-4222-8222-222222222222"})  # v4
    rel = platform.release_create(APP, {"release": "3"})
    assert rel["slug"] == {"id": "11111111-1111-4111-8111-111111111111"}
    assert rel["description"] == "Rollback to v3"


def test_rollback_to_a_release_without_slug_is_refused_and_marked_ineligible(platform):
    v1 = platform.release_info(APP, "1")
    assert v1["slug"] is None and v1["eligible_for_rollback"] is False
    before = platform.release_list(APP)
    err = refusal(platform.release_create, APP, {"release": "1"})
    assert err.id == "invalid_params"
    assert err.message == "Release v1 has no slug, so it is not eligible for rollback."
    assert platform.release_list(APP) == before


def test_eligible_for_rollback_always_says_what_a_rollback_does():
    """For every release, in both settings: the body's flag is true exactly when POST accepts."""
    for allow_current in (True, False):
        for version in (1, 2, 3, 4):
            platform = Platform.from_seed(
                {"rollback_to_current": allow_current, "apps": [{"name": APP, "releases": 4}]}
            )
            eligible = platform.release_info(APP, str(version))["eligible_for_rollback"]
            try:
                platform.release_create(APP, {"release": str(version)})
                accepted = True
            except PlatformError as err:
                assert err.id == "invalid_params"
                accepted = False
            assert accepted is eligible, (allow_current, version)
            assert eligible is (version > 1 and (version < 4 or allow_current))


def test_rollback_to_the_current_release_can_be_refused():
    platform = Platform.from_seed(
        {"rollback_to_current": False, "apps": [{"name": APP, "releases": 2}]}
    )
    err = refusal(platform.release_create, APP, {"release": "2"})
    assert err.message == "Release v2 is the current release, so it is not eligible for rollback."
    with pytest.raises(SeedError, match="rollback_to_current: must be true or false"):
        Platform.from_seed({"rollback_to_current": "no"})


# -- Eco: at most 2 running dynos per app --------------------------------------------------------
def eco_app(types=("web", "worker", "clock"), quantities=(1, 1, 0)) -> Platform:
    formation = [
        {"type": t, "size": "Eco", "quantity": q} for t, q in zip(types, quantities, strict=True)
    ]
    return Platform.from_seed({"apps": [{"name": "eco-app", "formation": formation}]})


def test_a_third_running_eco_dyno_is_refused():
    platform = eco_app()
    err = refusal(platform.formation_update, "eco-app", "clock", {"quantity": 1})
    assert err.id == "invalid_params"
    assert err.message == "Cannot run more than 2 Eco size dynos per app (this change would run 3)."
    assert platform.formation_info("eco-app", "clock")["quantity"] == 0
    platform.formation_batch_update(
        "eco-app", [{"type": "worker", "quantity": 0}, {"type": "clock", "quantity": 1}]
    )
    assert sum(f["quantity"] for f in platform.formation_list("eco-app")) == 2


def test_seeds_follow_the_eco_limit():
    assert eco_app(quantities=(1, 1, 0))
    with pytest.raises(SeedError, match="Cannot run more than 2 Eco size dynos"):
        eco_app(quantities=(1, 1, 1))


# -- preboot and the Eco/Basic tiers -------------------------------------------------------------
def test_a_seed_cannot_enable_preboot_on_basic():
    seed = {
        "apps": [
            {
                "name": "basic-app",
                "formation": [{"type": "web", "size": "Basic"}],
                "features": {"preboot": True},
            }
        ]
    }
    with pytest.raises(SeedError) as info:
        Platform.from_seed(seed)
    assert str(info.value) == (
        "seed apps[0].features.preboot: preboot cannot be enabled on Basic dynos "
        "(Standard or Performance only)"
    )


def test_moving_every_type_back_to_basic_turns_preboot_off(platform):
    platform.formation_batch_update(
        APP, [{"type": t, "size": "Standard-1X"} for t in ("web", "worker")]
    )
    platform.feature_update(APP, "preboot", True)
    platform.formation_update(APP, "web", {"quantity": 2})  # still professional: stays on
    assert platform.feature_info(APP, "preboot")["enabled"] is True
    platform.formation_batch_update(
        APP, [{"type": "web", "quantity": 1, "size": "Basic"}, {"type": "worker", "size": "Basic"}]
    )
    assert platform.feature_info(APP, "preboot")["enabled"] is False
    exported = Platform.from_seed(export_seed(platform))
    assert exported.feature_info(APP, "preboot")["enabled"] is False


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.json")), ids=lambda p: p.stem)
def test_every_shared_vector_seed_still_loads(path):
    Platform.from_seed(json.loads(path.read_text())["seed"])


# -- tokens --------------------------------------------------------------------------------------
def test_a_token_stops_working_when_it_expires(clock):
    platform = Platform.demo(clock=clock)
    made = platform.oauth_authorization_create({"scope": ["read"], "expires_in": 1})
    token = made["access_token"]["token"]
    assert platform.authenticate(token).scope == ("read",)
    clock.advance(0.9)
    assert platform.authenticate(token).scope == ("read",)
    clock.advance(0.2)
    err = refusal(platform.authenticate, token)
    assert (err.id, err.message) == ("unauthorized", "Invalid credentials provided.")
    assert platform.authenticate(platform.global_token).scope == ("global",)  # no expiry
