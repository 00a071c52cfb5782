"""Planner properties over generated app states (hypothesis): converge, never lower, never resize
without consent, keep every buildpack in order, and explain every check that still fails."""

from hypothesis import given, settings
from hypothesis import strategies as st

from zdd.checks import FAILED, IDS, check
from zdd.cost import PROFESSIONAL_SIZES
from zdd.plan import BLOCKED, PENDING, PlanOptions, plan, simulate
from zdd.state import (
    COMPANION_BUILDPACK_URL,
    ZDD_TOKEN_VAR,
    AppState,
    Process,
    is_companion,
    is_jvm_buildpack,
)

#: Private Space sizes (2+ dynos per type, no preboot), as the API spells them or not.
PRIVATE_SIZES = ["Private-S", "Private-M", "private-l", "Shield-M", "Shield-L"]
assert {"Performance-L", "Performance-M", "Standard-1X"} <= set(PROFESSIONAL_SIZES)

BUILDPACKS = [
    "heroku/java",
    "heroku/nodejs",
    "urn:buildpack:heroku/jvm",
    "https://github.com/heroku/heroku-buildpack-java.git",
    "heroku/python",
    COMPANION_BUILDPACK_URL,
    "https://github.com/zdd-dev/zdd/releases/download/v0.0.1/zdd-buildpack.tgz",
]


@st.composite
def states(draw):
    types = draw(st.lists(st.sampled_from(["web", "worker", "clock"]), unique=True, max_size=3))
    tier = draw(st.sampled_from(["hobby", "professional", "private"]))
    if tier == "hobby":
        size = draw(st.sampled_from(["Eco", "Basic", "eco", "basic"]))
        formation = tuple(Process(t, draw(st.integers(0, 1)), size) for t in types)
    else:
        pool = PROFESSIONAL_SIZES if tier == "professional" else PRIVATE_SIZES
        formation = tuple(
            Process(t, draw(st.integers(0, 10)), draw(st.sampled_from(pool))) for t in types
        )
    config = draw(
        st.none() | st.frozensets(st.sampled_from(["ZDD_API_TOKEN", "ZDD_APP", "DATABASE_URL"]))
    )
    return AppState(
        app="prop-app",
        buildpacks=tuple(draw(st.lists(st.sampled_from(BUILDPACKS), unique=True, max_size=3))),
        features={
            "preboot": draw(st.booleans()),
            "http-session-affinity": draw(st.booleans()),
        },
        formation=formation,
        config_vars=config,
        opt_outs=frozenset() if config is None else draw(st.frozensets(st.sampled_from(IDS))),
    )


options = st.builds(
    PlanOptions,
    min_web=st.integers(1, 4),
    affinity=st.booleans(),
    size=st.none() | st.sampled_from(PROFESSIONAL_SIZES),
    java=st.none() | st.booleans(),
    release_check=st.none() | st.booleans(),
)


def passes_every_check_or_the_plan_says_why(state, opts, p, after) -> None:
    for f in check(after):
        if f.status != FAILED:
            continue
        step = p.step(f.fixed_by)  # the finding names the step that fixes it
        explained = step.status == BLOCKED or step.opted_out
        if f.id == "web.redundancy":
            explained = explained or opts.min_web < 2
        assert explained, (f, step)
        assert step.status == BLOCKED or step.why


def a_second_plan_has_nothing_pending(state, opts, p, after) -> None:
    assert plan(after, opts).pending == []


def never_lowers_a_quantity_nor_resizes_without_consent(state, opts, p, after) -> None:
    for old, new in zip(state.formation, after.formation, strict=True):
        assert new.quantity >= old.quantity
        if old.size != new.size:
            assert opts.size is not None and new.size == opts.size
            assert old.size.lower() in ("eco", "basic")  # every other size is kept
    if opts.size is None:
        assert [s.size for s in after.formation] == [s.size for s in state.formation]


def buildpacks_keep_order_and_companion_appears_at_most_once(state, opts, p, after) -> None:
    others = [b for b in state.buildpacks if not is_companion(b)]
    assert [b for b in after.buildpacks if not is_companion(b)] == others  # all kept, in order
    assert sum(is_companion(b) for b in after.buildpacks) <= max(
        1, sum(is_companion(b) for b in state.buildpacks)
    )
    if p.step("buildpack").status == PENDING:
        # exactly one companion, just before the last JVM buildpack (or the last one)
        (at,) = [i for i, b in enumerate(after.buildpacks) if is_companion(b)]
        jvm = [i for i, b in enumerate(after.buildpacks) if is_jvm_buildpack(b)]
        assert at == (jvm[-1] if jvm else len(after.buildpacks) - 1) - 1


def existing_token_is_never_overwritten(state, opts, p, after) -> None:
    step = p.step("release_check")
    if state.config_vars is not None and ZDD_TOKEN_VAR in state.config_vars:
        assert not step.payload.get("create_token")
    if step.status == PENDING:
        assert step.restarts and "restarts" in step.note


PROPERTIES = (
    passes_every_check_or_the_plan_says_why,
    a_second_plan_has_nothing_pending,
    never_lowers_a_quantity_nor_resizes_without_consent,
    buildpacks_keep_order_and_companion_appears_at_most_once,
    existing_token_is_never_overwritten,
)


# One generated app state feeds every property: drawing the states is most of the cost (each
# property on its own drew 150-200), and each property still sees all 200 examples.
@settings(max_examples=200, deadline=None)
@given(states(), options)
def test_every_plan_property_holds_for_generated_apps(state, opts):
    p = plan(state, opts)
    after = simulate(state, p)
    for holds in PROPERTIES:
        holds(state, opts, p, after)
