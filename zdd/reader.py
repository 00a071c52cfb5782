"""Read an AppState through HerokuClient: independent reads run concurrently, one request each.

One app costs 5 GETs in one round trip (app, features, formation, buildpacks, config vars). For
many apps (check), the app bodies come from one list call: 4 GETs per app (config vars for every
app, since any app may record opt-outs in ZDD_OPT_OUT). Dyno sizes are not read: the
cost table in zdd/cost.py has the prices, and the API accepts the size names zdd sends. The
generation (Cedar or Fir) comes with the app body (`generation` {id, name}), at no extra request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zdd.errors import Forbidden, ZddError
from zdd.heroku.models import App

if TYPE_CHECKING:
    from zdd.heroku.client import HerokuClient

from zdd.state import (
    ZDD_JVM_PRESET_VAR,
    ZDD_OPT_OUT_VAR,
    ZDD_SMOKE_PATH_VAR,
    AppState,
    Process,
    parse_opt_outs,
)

#: GETs one app costs at most (without the app body); used to stay inside the API budget.
READS_PER_APP = 4


def _config_names(
    client: HerokuClient, app: str
) -> tuple[frozenset[str] | None, frozenset[str], str | None, str | None]:
    """Config var names, the opt-outs in ZDD_OPT_OUT, ZDD_JVM_PRESET's and ZDD_SMOKE_PATH's
    values (no other value leaves here).

    (None, {}, None, None) when the token's scope can't read config vars.
    """
    try:
        config = client.config_vars(app)
    except Forbidden:
        return None, frozenset(), None, None
    return (
        frozenset(config),
        parse_opt_outs(config.get(ZDD_OPT_OUT_VAR)),
        config.get(ZDD_JVM_PRESET_VAR),
        config.get(ZDD_SMOKE_PATH_VAR),
    )


def read_state(
    client: HerokuClient,
    app: str,
    *,
    pool: ThreadPoolExecutor | None = None,
    info: App | None = None,
) -> AppState:
    """Everything setup/check need about `app`. `info` (an App model) saves the app GET."""
    own = pool is None
    pool = pool or ThreadPoolExecutor(max_workers=5, thread_name_prefix="zdd-read")
    try:
        futures: dict[str, Future[Any]] = {
            "features": pool.submit(client.feature_list, app),
            "formation": pool.submit(client.formation_list, app),
            "buildpacks": pool.submit(client.buildpack_list, app),
            "config": pool.submit(_config_names, client, app),
        }
        if info is None:
            futures["app"] = pool.submit(client.app_info, app)
        # The app GET first: when the app doesn't exist, its NotFound is the clearest error.
        if "app" in futures:
            info = futures["app"].result()
        results = {k: f.result() for k, f in futures.items() if k != "app"}
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return AppState(
        app=info.name if info is not None else app,
        app_id=info.id if info is not None else None,
        stack=info.stack if info is not None else None,
        buildpacks=tuple(b.url for b in results["buildpacks"]),
        features={f.name: f.enabled for f in results["features"]},
        formation=tuple(Process(f.type, f.quantity, f.size) for f in results["formation"]),
        config_vars=results["config"][0],
        opt_outs=results["config"][1],
        jvm_preset=results["config"][2],
        smoke_path=results["config"][3],
        generation=info.generation if info is not None else None,
    )


@dataclass(frozen=True)
class AppResult:
    """One app of a multi-app read: a state, or the error that stopped it."""

    app: str
    state: AppState | None = None
    error: ZddError | None = None


def read_many(
    client: HerokuClient,
    apps: Sequence[str],
    *,
    infos: dict[str, App] | None = None,
    max_workers: int = 8,
    on_done: Callable[[AppResult], None] | None = None,
) -> list[AppResult]:
    """Read many apps, at most `max_workers` at a time; results keep the order of `apps`.

    Each app runs its four GETs one after the other inside its worker, so the number of requests
    in flight never exceeds `max_workers` (the client also paces itself and retries 429s).
    """

    def one(name: str) -> AppResult:
        try:
            info = (infos or {}).get(name)
            state = _read_serial(client, name, info)
            result = AppResult(name, state=state)
        except ZddError as exc:
            result = AppResult(name, error=exc)
        if on_done:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="zdd-apps") as pool:
        return list(pool.map(one, apps))


def _read_serial(client: HerokuClient, app: str, info: App | None) -> AppState:
    """One app's reads in sequence."""
    if info is None:
        info = client.app_info(app)
    state = AppState(
        app=info.name,
        app_id=info.id,
        stack=info.stack,
        generation=info.generation,
        buildpacks=tuple(b.url for b in client.buildpack_list(app)),
        features={f.name: f.enabled for f in client.feature_list(app)},
        formation=tuple(Process(f.type, f.quantity, f.size) for f in client.formation_list(app)),
    )
    names, opt_outs, preset, smoke = _config_names(client, app)
    return state.replace(config_vars=names, opt_outs=opt_outs, jvm_preset=preset, smoke_path=smoke)


def requests_needed(apps: Iterable[str], *, with_info: bool) -> int:
    n = sum(1 for _ in apps)
    return n * (READS_PER_APP + (1 if with_info else 0))
