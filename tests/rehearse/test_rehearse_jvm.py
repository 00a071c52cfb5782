"""The JVM test apps on the key rows: real embedded Tomcat 10 and the JDK's HttpServer.

Each app is built once per session (conftest.py). Boot timeout 30 s: a fault-free JVM binds in
a few seconds even on a loaded 2-core box; the R10 row is covered by the Python app.
"""

from __future__ import annotations

import pytest

from tests.rehearse.support import explain, failed, run, statuses

pytestmark = pytest.mark.slow

# One dyno per release (two JVMs at the overlap), more time per answer, fewer long requests, and
# the apps' own shutdown wait scaled like the grace: a JVM booting beside another on a shared
# 2-core box must not be what fails a row.
JVM = dict(dynos="1", boot_timeout="30s", request_timeout="20s", timeout="30s", long_share="0.1")
SCALED = "SHUTDOWN_WAIT=1"


def test_tomcat_healthy_preboot_deploy_passes(tomcat_app):
    report = run(tomcat_app, SCALED, **JVM)
    assert report.options.jvm
    assert failed(report) == set(), explain(report)
    assert statuses(report)["shutdown.inflight_dropped"] == "passed"
    assert report.verify.switch is not None


def test_tomcat_immediate_shutdown_and_short_keepalive_are_caught_with_jvm_fixes(tomcat_app):
    report = run(tomcat_app, SCALED, "FAULT_SIGTERM=exit", "FAULT_KEEPALIVE=0.3", **JVM)
    assert {"shutdown.inflight_dropped", "router.keepalive", "requests.failed"} <= failed(report)
    by_id = {f.id: f for f in report.findings}
    assert "server.shutdown=graceful" in by_id["shutdown.inflight_dropped"].remedy
    assert "server.tomcat.keep-alive-timeout" in by_id["router.keepalive"].remedy
    assert "boot.r10" not in failed(report) and "memory.overlap" not in failed(report)


def test_tomcat_memory_over_the_quota_names_xmx(tomcat_app):
    report = run(tomcat_app, SCALED, "FAULT_MEMORY_MB=120", memory_quota="96", **JVM)
    memory = {f.id: f for f in report.findings}["memory.overlap"]
    assert memory.status == "failed"
    assert "-Xmx57m" in memory.remedy  # 60 % of the 96 MB quota


def test_jdk_httpserver_healthy_passes_and_ignoring_sigterm_is_sigkilled(jdk_app):
    healthy = run(jdk_app, SCALED, **JVM)
    assert failed(healthy) == set(), explain(healthy)
    stubborn = run(jdk_app, SCALED, "FAULT_SIGTERM=ignore", **JVM)
    assert "shutdown.sigkill" in failed(stubborn)
    assert set(stubborn.deploys[0]["old"].values()) == {"sigkilled"}
