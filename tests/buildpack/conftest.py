"""Fixtures for the buildpack tests: a compiled slug, the JVM test app (javac, once), a sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bp_harness import (
    FIXTURES,
    VECTORS,
    Build,
    clear_sandbox,
    private_copy,
    sandbox_http,
    server_seed,
)
from build_once import built_once  # tests/build_once.py


@pytest.fixture(scope="session")
def warm_app(tmp_path_factory) -> Path:
    """WarmApp.class compiled once per session with javac: a real JVM web app for boot tests."""
    if not shutil.which("javac"):
        pytest.fail("javac is needed (Java 17+); .ci/run installs it")

    def javac(out: Path) -> None:
        source = FIXTURES / "jvm-web-app" / "WarmApp.java"
        subprocess.run(["javac", "-d", str(out), str(source)], check=True)

    return built_once(tmp_path_factory, "warm-app", javac)


@pytest.fixture(scope="session")
def slug(tmp_path_factory) -> Path:
    """The maven-procfile fixture after one bin/compile: a dyno's /app (minus the JDK)."""
    build = Build(tmp_path_factory.mktemp("slug-build"), "maven-procfile")
    build.compiled()
    return build.build_dir


@pytest.fixture
def fresh_slug(slug, tmp_path) -> Path:
    """A private copy of `slug`."""
    return private_copy(slug, tmp_path / "app")


@pytest.fixture(scope="module")
def bp_sandbox():
    """One sandbox per module, seeded with every shared vector's app plus `zdd-demo`."""
    from zdd.sandbox import Platform, SandboxServer

    platform = Platform.demo()
    server = SandboxServer(platform).start()
    for path in VECTORS:
        seed = json.loads(path.read_text())["seed"]
        server_seed(server, seed)
    yield server
    server.stop()


@pytest.fixture
def clear_faults(bp_sandbox):
    clear_sandbox(bp_sandbox, "faults")
    yield bp_sandbox
    clear_sandbox(bp_sandbox, "faults")


@pytest.fixture(scope="session", autouse=True)
def _close_sandbox_http():
    """The shared client's connections go when the session ends."""
    yield
    if sandbox_http.cache_info().currsize:
        sandbox_http().close()
