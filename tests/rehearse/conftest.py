"""Fixtures for the rehearsal tests: the test apps, the JVM ones built once per test run (one
build shared by every xdist worker)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from build_once import built_once  # tests/build_once.py (tests/ is on sys.path)

APPS = Path(__file__).resolve().parent.parent / "apps"
TOMCAT_JARS = (
    Path("/usr/share/java/tomcat10-embed-core.jar"),
    Path("/usr/share/java/jakarta-annotation-api.jar"),
)
INSTALL = "apt-get install -y libtomcat10-embed-java libjakarta-annotation-api-java"


def _build(name: str, tmp_path_factory) -> Path:
    if shutil.which("javac") is None:
        pytest.fail("the JVM test apps need a JDK 17+ (javac)")
    if name == "tomcat" and not all(p.exists() for p in TOMCAT_JARS):
        pytest.fail(f"the Tomcat test app needs Debian's embedded Tomcat 10: {INSTALL}")

    def build(target: Path) -> None:
        shutil.copytree(
            APPS / name, target, ignore=shutil.ignore_patterns("classes"), dirs_exist_ok=True
        )
        subprocess.run(["bash", str(target / "build.sh")], check=True, capture_output=True)

    return built_once(tmp_path_factory, f"rehearse-{name}", build)


@pytest.fixture(scope="session")
def tomcat_app(tmp_path_factory) -> Path:
    return _build("tomcat", tmp_path_factory)


@pytest.fixture(scope="session")
def jdk_app(tmp_path_factory) -> Path:
    return _build("jdkhttp", tmp_path_factory)


@pytest.fixture(scope="session")
def python_app() -> Path:
    return APPS / "python"
