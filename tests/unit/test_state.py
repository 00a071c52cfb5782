"""JVM detection and companion recognition across every buildpack spelling Heroku accepts."""

import pytest

from zdd.state import COMPANION_BUILDPACK_URL, AppState, is_companion, is_jvm_buildpack

JVM = [
    "heroku/java",
    "heroku/jvm",
    "heroku/gradle",
    "heroku/scala",
    "heroku/clojure",
    "urn:buildpack:heroku/java",
    "urn:buildpack:heroku/jvm",
    "https://github.com/heroku/heroku-buildpack-java",
    "https://github.com/heroku/heroku-buildpack-java.git",
    "https://github.com/heroku/heroku-buildpack-gradle.git#v42",
    "https://codon-buildpacks.s3.amazonaws.com/buildpacks/heroku/java.tgz",
    "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/scala.tgz",
    "HEROKU/Java",
]
NOT_JVM = [
    "heroku/nodejs",
    "urn:buildpack:heroku/python",
    "https://github.com/heroku/heroku-buildpack-ruby.git",
    "https://github.com/someone/java-tools.git",
    "https://example.com/buildpacks/acme/javascript.tgz",
    COMPANION_BUILDPACK_URL,
]


@pytest.mark.parametrize("ref", JVM)
def test_jvm_buildpacks(ref):
    assert is_jvm_buildpack(ref)


@pytest.mark.parametrize("ref", NOT_JVM)
def test_not_jvm_buildpacks(ref):
    assert not is_jvm_buildpack(ref)


@pytest.mark.parametrize(
    "ref",
    [
        COMPANION_BUILDPACK_URL,
        "https://github.com/zdd-dev/zdd/releases/download/v0.3.1/zdd-buildpack.tgz",
        "https://mirror.example.com/zdd-buildpack-0.2.tgz",
        "https://github.com/zdd-dev/zdd-buildpack.git#v1",
    ],
)
def test_companion_in_any_version(ref):
    assert is_companion(ref)


def test_custom_companion_url_and_lookalikes():
    custom = "https://internal.example.com/bp/warmup.tgz"
    assert is_companion(custom + "#v2", custom)
    assert not is_companion("https://github.com/heroku/heroku-buildpack-java", custom)
    state = AppState(app="a", buildpacks=("heroku/nodejs", custom, "heroku/java"))
    assert state.has_companion(custom) and not state.has_companion()


@pytest.mark.parametrize(
    "ref",
    [
        COMPANION_BUILDPACK_URL.upper(),
        COMPANION_BUILDPACK_URL + "/",
        COMPANION_BUILDPACK_URL + "#v0.2.0",
        "https://cdn.example.com/any/path/zdd-buildpack.tgz",
        "https://cdn.example.com/zdd-buildpack.tgz?sig=abc",
        "urn:buildpack:zdd-dev/zdd",
    ],
)
def test_companion_spellings(ref):
    assert is_companion(ref)


def test_custom_urls_are_compared_without_case_fragment_slash_or_git_suffix():
    custom = "https://git.example.com/team/warmup"
    for ref in (custom + ".git", custom.upper() + "/", custom + ".git#main"):
        assert is_companion(ref, None, custom)
    assert not is_companion("https://git.example.com/team/warmup-other", custom)
    assert not is_companion("heroku/java", custom, None)
