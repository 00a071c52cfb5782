"""The JVM test apps on the key rows: real embedded Tomcat 10 and the JDK's HttpServer.

Each app is built once per session (conftest.py). Boot timeout 30 s: a fault-free JVM binds in
a few seconds even on a loaded 2-core box; the R10 row is covered by the Python app.
"""

from __future__ import annotations

import pytest

from tests.rehearse.support import explain, failed, run, statuses

pytestmark = pytest.mark.slow

# One dyno per release (two JVMs at the overlap), more time per answer, fewer long requests (about
# two in flight at SIGTERM), and the apps' own shutdown wait scaled like the grace: a JVM booting
# beside another on a shared 2-core box must not be what fails a row.
JVM = dict(dynos="1", boot_timeout="30s", request_timeout="20s", timeout="30s", long_share="0.2")
SCALED = "SHUTDOWN_WAIT=1"


def test_tomcat_healthy_preboot_deploy_passes(tomcat_app):
    report = run(tomcat_app, SCALED, **JVM)
    assert report.options.jvm
    assert failed(report) == set(), explain(report)
    assert statuses(report)["shutdown.inflight_dropped"] == "passed"
    assert report.verify.switch is not None


def test_tomcat_immediate_shutdown_short_keepalive_and_memory_are_caught_with_jvm_fixes(tomcat_app):
    """Three faults in one Tomcat rehearsal (each row reads its own measurement; the healthy run
    above shows none of them fires without its fault)."""
    faults = ("FAULT_SIGTERM=exit", "FAULT_KEEPALIVE=0.3", "FAULT_MEMORY_MB=120")
    report = run(tomcat_app, SCALED, *faults, memory_quota="96", **JVM)
    caught = failed(report)
    assert {"shutdown.inflight_dropped", "router.keepalive", "memory.overlap"} <= caught
    assert "requests.failed" in caught and "boot.r10" not in caught, explain(report)
    by_id = {f.id: f for f in report.findings}
    assert "server.shutdown=graceful" in by_id["shutdown.inflight_dropped"].remedy
    assert "server.tomcat.keep-alive-timeout" in by_id["router.keepalive"].remedy
    assert "-Xmx57m" in by_id["memory.overlap"].remedy  # 60 % of the 96 MB quota


def test_jdk_httpserver_healthy_passes_and_ignoring_sigterm_is_sigkilled(jdk_app):
    healthy = run(jdk_app, SCALED, **JVM)
    assert failed(healthy) == set(), explain(healthy)
    stubborn = run(jdk_app, SCALED, "FAULT_SIGTERM=ignore", grace="0.8s", **JVM)
    assert "shutdown.sigkill" in failed(stubborn)
    assert set(stubborn.deploys[0]["old"].values()) == {"sigkilled"}
