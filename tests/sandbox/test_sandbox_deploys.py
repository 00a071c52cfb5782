"""The deploy lifecycle on the sandbox clock: release phase, dyno boot and R10, preboot, restarts.

Every rule runs on a ManualClock (stepped) or a fast SandboxClock, so a 3-minute preboot window
takes no real time.
"""

import time

import pytest

from zdd.sandbox import ManualClock, Platform, PlatformError, SandboxClock
from zdd.sandbox.rules import PREBOOT_IN_PROGRESS

APP = "pb-app"
SLUG = "11111111-1111-4111-8111-111111111111"


def seeded(clock, **app) -> Platform:
    spec = {
        "name": APP,
        "releases": 2,
        "formation": [
            {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "bin/web"},
            {"type": "worker", "quantity": 1, "size": "Standard-1X", "command": "bin/worker"},
        ],
        "features": {"preboot": True},
        "boot_seconds": 10,
        "shutdown_seconds": 3,
    }
    spec.update(app)
    return Platform.from_seed({"apps": [spec]}, clock=clock)


def ps(platform: Platform) -> list[tuple[str, int, str]]:
    return [(d["name"], d["release"]["version"], d["state"]) for d in platform.dyno_list(APP)]


def serving(platform: Platform, at: float | None = None) -> list[int]:
    return platform.router_view(APP, at)["releases"]


# -- the clock ---------------------------------------------------------------------------------
def test_a_fast_clock_runs_sandbox_time_factor_times_faster():
    clock = SandboxClock(factor=1000)
    start, real = clock(), time.monotonic()
    time.sleep(0.05)
    ran = clock() - start
    assert ran == pytest.approx((time.monotonic() - real) * 1000, rel=0.2)
    clock.factor = 0  # re-anchored: no jump back, and stopped
    frozen = clock()
    assert frozen >= start + ran and clock() == frozen
    clock.advance(180)
    assert clock() == pytest.approx(frozen + 180)


def test_clock_sleep_waits_sandbox_seconds():
    clock = SandboxClock(factor=2000)
    real = time.monotonic()
    start = clock()
    clock.sleep(180)  # three sandbox minutes
    assert clock() - start >= 180
    assert time.monotonic() - real < 1.0
    manual = ManualClock(start=100.0)
    manual.sleep(30)
    assert manual() == 130.0


def test_clock_over_the_control_api(serve):
    import httpx

    platform = Platform.demo(clock=SandboxClock(factor=1))
    client = serve(platform)
    base = str(client.base_url) + "/__sandbox/clock"
    before = httpx.get(base).json()
    after = httpx.post(base, json={"advance": 3600, "factor": 0}).json()
    assert after["factor"] == 0 and after["now"] >= before["now"] + 3600
    assert httpx.post(base, json={"advance": -1}).status_code == 400


# -- releases without preboot: the restart gap ---------------------------------------------------
def test_without_preboot_every_dyno_restarts_and_web_has_a_gap(clock):
    platform = seeded(clock, features={"preboot": False})
    t0 = clock()
    platform.release_create(APP, {"slug": SLUG})  # v3, no release command
    assert ps(platform) == [
        ("web.1", 3, "starting"),
        ("web.2", 3, "starting"),
        ("worker.1", 3, "up"),
    ]
    assert serving(platform) == []  # old ones got SIGTERM; new ones not bound yet
    clock.advance(10)
    assert ps(platform) == [("web.1", 3, "up"), ("web.2", 3, "up"), ("worker.1", 3, "up")]
    assert serving(platform) == [3]
    view = platform.router_view(APP)
    gaps = [s for s in view["timeline"] if not s["releases"] and s["from"] >= t0 - 1]
    assert [(g["from"] - t0, g["until"] - t0) for g in gaps] == [(0, 10)]


def test_a_web_dyno_that_never_binds_crashes_at_the_boot_timeout(clock):
    platform = seeded(clock, features={"preboot": False}, boot_seconds=None)
    platform.release_create(APP, {"slug": SLUG})
    clock.advance(59)
    assert {s for _, _, s in ps(platform)[:2]} == {"starting"}
    clock.advance(1)  # 60 s: R10
    assert ps(platform)[:2] == [("web.1", 3, "crashed"), ("web.2", 3, "crashed")]


def test_boot_timeout_is_90_s_for_jvm_apps_and_seedable_up_to_180():
    clock = ManualClock(start=1_000.0)
    platform = seeded(
        clock, features={"preboot": False}, boot_seconds=100, buildpacks=["heroku/jvm"]
    )
    platform.release_create(APP, {"slug": SLUG})
    clock.advance(90)
    assert ps(platform)[0][2] == "crashed"
    platform = seeded(clock, features={"preboot": False}, boot_seconds=100, boot_timeout=180)
    platform.release_create(APP, {"slug": SLUG})
    clock.advance(100)
    assert ps(platform)[0][2] == "up"
    with pytest.raises(ValueError, match="boot_timeout"):
        seeded(clock, boot_timeout=181)


# -- preboot -------------------------------------------------------------------------------------
def test_preboot_starts_new_web_dynos_beside_the_old_and_switches_after_the_window(clock):
    platform = seeded(clock)
    t0 = clock()
    platform.config_var_update(APP, {"FOO": "bar"})  # v3
    # heroku ps shows the new ones only; the old ones still serve (hidden, as on Heroku)
    assert ps(platform) == [
        ("web.1", 3, "starting"),
        ("web.2", 3, "starting"),
        ("worker.1", 3, "up"),
    ]
    assert serving(platform) == [2]
    clock.advance(10)
    assert ps(platform)[:2] == [("web.1", 3, "up"), ("web.2", 3, "up")]
    assert serving(platform) == [2]  # up, but no traffic before the window ends
    err = pytest.raises(PlatformError, platform.formation_update, APP, "web", {"quantity": 3})
    assert err.value.message == PREBOOT_IN_PROGRESS
    clock.advance(170)  # window = boot timeout 60 s + 2 min after the dynos start
    assert serving(platform) == [3]
    assert platform.router_view(APP, t0 + 179.9)["releases"] == [2]
    assert platform.formation_update(APP, "web", {"quantity": 3})["quantity"] == 3
    old = [d for d in platform._app(APP).dynos if d.release.version == 2 and d.type == "web"]
    assert {d.stop_at - t0 for d in old} == {180}
    clock.advance(3)
    platform.dyno_list(APP)  # the sandbox replays what happened when it is asked
    assert {d.gone_at - t0 for d in old} == {183}  # exited 3 s after SIGTERM (seeded)


def test_the_window_follows_the_boot_timeout(clock):
    platform = seeded(clock, boot_timeout=120)
    t0 = clock()
    platform.config_var_update(APP, {"FOO": "bar"})
    assert platform._app(APP).preboot_until - t0 == 240


def test_old_dynos_are_killed_30_s_after_sigterm(clock):
    platform = seeded(clock, shutdown_seconds=300)
    t0 = clock()
    platform.config_var_update(APP, {"FOO": "bar"})
    clock.advance(400)
    old = [d for d in platform._app(APP).dynos if d.release.version == 2 and d.type == "web"]
    assert {d.stop_at - t0 for d in old} == {180}
    assert {d.gone_at - t0 for d in old} == {210}


def test_a_crashing_new_release_still_switches_and_leaves_no_web_serving(clock):
    """Preboot checks only that the port is bound (R10); the switch happens anyway (choice)."""
    platform = seeded(clock, boot_seconds=None)
    platform.config_var_update(APP, {"FOO": "bar"})
    clock.advance(181)
    assert ps(platform)[:2] == [("web.1", 3, "crashed"), ("web.2", 3, "crashed")]
    assert serving(platform) == []


# -- release phase -------------------------------------------------------------------------------
def release_app(clock, **phase) -> Platform:
    return seeded(
        clock,
        release_command="bin/migrate",
        release_phase={"seconds": 20, "exit": 0, "output": "migrating\ndone\n", **phase},
    )


def test_release_phase_is_pending_in_a_release_dyno_then_the_dynos_change(clock):
    platform = release_app(clock)
    rel = platform.release_create(APP, {"slug": SLUG})
    assert rel["status"] == "pending" and rel["current"] is False
    names = [d["name"] for d in platform.dyno_list(APP)]
    assert [n for n in names if n.startswith("release.")] and "web.1" in names
    web1 = next(d for d in platform.dyno_list(APP) if d["name"] == "web.1")
    assert web1["release"]["version"] == 2  # the old ones still run
    assert serving(platform) == [2]
    clock.advance(20)
    assert platform.release_info(APP, "3")["status"] == "succeeded"
    assert platform.release_info(APP, "3")["current"] is True
    assert ps(platform)[:2] == [("web.1", 3, "starting"), ("web.2", 3, "starting")]
    assert platform.release_output(APP, "3") == ("migrating\ndone\n", True)


def test_a_failed_release_phase_keeps_the_old_release_serving(clock):
    platform = release_app(clock, exit=1, output="boom\n")
    platform.release_create(APP, {"slug": SLUG})
    clock.advance(400)
    rel = platform.release_info(APP, "3")
    assert rel["status"] == "failed" and rel["current"] is False
    assert platform.release_info(APP, "2")["current"] is True
    assert ps(platform) == [("web.1", 2, "up"), ("web.2", 2, "up"), ("worker.1", 2, "up")]
    assert serving(platform) == [2]


def test_config_changes_and_rollbacks_run_the_release_phase(clock):
    platform = release_app(clock)
    assert platform.config_var_update(APP, {"A": "1"})
    assert platform.release_info(APP, "3")["status"] == "pending"
    clock.advance(200)
    platform.release_create(APP, {"release": "2"})
    assert platform.release_info(APP, "4")["status"] == "pending"


# -- restarts, stop, cycling -----------------------------------------------------------------
def test_ps_restart_uses_preboot_on_a_preboot_app_and_one_dyno_restarts_alone(clock):
    platform = seeded(clock)
    platform.dyno_restart_all(APP)
    assert serving(platform) == [2] and platform.preboot_in_progress(platform._app(APP))
    clock.advance(181)
    platform.dyno_restart(APP, "web.1")
    assert ps(platform)[:2] == [("web.1", 2, "starting"), ("web.2", 2, "up")]
    assert not platform.preboot_in_progress(platform._app(APP))


def test_ps_stop_restarts_a_scaled_dyno(clock):
    platform = seeded(clock, features={"preboot": False})
    platform.dyno_stop(APP, "worker.1")
    platform.formation_stop(APP, "web")
    assert [s for _, _, s in ps(platform)] == ["starting", "starting", "up"]


def test_daily_cycling_restarts_dynos_one_at_a_time(clock):
    platform = seeded(clock, features={"preboot": False})
    platform.cycle(APP, spacing=60)
    first = {n: s for n, _, s in ps(platform)}
    assert list(first.values()).count("starting") == 1
    clock.advance(60)
    assert [s for _, _, s in ps(platform)].count("starting") == 1
    assert serving(platform) == [2]  # the other web dyno kept serving each time


def test_a_release_while_dynos_boot_keeps_them_booting_beside_the_new_ones(clock):
    """Setup's order: a resize restarts web (no preboot), then a config change makes a release
    with preboot on. The resized dynos still boot and serve until the window ends: no gap."""
    platform = seeded(clock)
    platform.formation_update(APP, "web", {"size": "Standard-2X"})  # restart, boot 10 s
    clock.advance(2)
    platform.config_var_update(APP, {"FOO": "bar"})  # v3 while the resized v2 dynos boot
    clock.advance(8)
    assert serving(platform) == [2]  # the resized ones came up and took traffic
    clock.advance(180)
    assert serving(platform) == [3]
    gaps = [s for s in platform.router_view(APP)["timeline"] if not s["releases"]]
    assert [(g["from"], g["until"]) for g in gaps] == [(clock() - 190, clock() - 180)]
