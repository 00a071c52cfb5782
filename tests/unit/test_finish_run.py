"""The end verify, deploy and rehearse share (zdd.cli.finish_run): the picture it reports is one
that was drawn."""

import json

import pytest
from invoke import Exit

from zdd.cli import finish_run
from zdd.commands.deploy import picture_drawer, render
from zdd.deploy.report import DeployReport, Outcome


def test_a_refused_deploy_reports_no_picture(capsys, tmp_path):
    busy = DeployReport("a", Outcome.BUSY, "v3 is still pending", None)
    picture = tmp_path / "deploy.png"
    with pytest.raises(Exit) as exit_:
        finish_run(
            "deploy",
            busy,
            as_json=True,
            render=render,
            picture=str(picture),
            draw=picture_drawer(busy),
        )
    assert exit_.value.code == 1
    assert json.loads(capsys.readouterr().out)["picture"] is None
    assert not picture.exists()


def test_a_picture_that_cannot_be_written_is_one_line_and_not_reported(capsys, tmp_path):
    busy = DeployReport("a", Outcome.BUSY, "v3 is still pending", None)

    def fails(path: str) -> None:
        raise OSError("read-only file system")

    with pytest.raises(Exit):
        finish_run("deploy", busy, as_json=True, render=render, picture="p.png", draw=fails)
    out, err = capsys.readouterr()
    assert json.loads(out)["picture"] is None
    assert err == "zdd deploy: could not write --picture p.png: read-only file system\n"
