"""`make_sandbox`: a started loopback sandbox (deploybox.DeploySandbox), stopped after the test."""

from __future__ import annotations

import pytest
from deploybox import FACTOR, DeploySandbox, seed

from zdd.sandbox import Platform, SandboxClock, SandboxServer


@pytest.fixture
def make_sandbox(tmp_path):
    made: list[SandboxServer] = []

    def make(config: dict[str, str] | None = None, *, pipeline: bool = False) -> DeploySandbox:
        clock = SandboxClock(factor=FACTOR)
        platform = Platform.from_seed(seed(config, pipeline=pipeline), clock=clock)
        server = SandboxServer(platform).start()
        made.append(server)
        box = DeploySandbox(server, tmp_path)
        box.wait_up()
        if pipeline:
            box.wait_up("guarded-staging")
        return box

    yield make
    for server in made:
        server.stop()
