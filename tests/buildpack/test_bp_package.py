"""`python -m tools.package_buildpack` (what `invoke buildpack` runs): a tgz Heroku can fetch."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile

from bp_harness import REPO, Build, procfile_types


def package(out) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.package_buildpack", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tarball_has_bin_at_its_root_and_its_compile_runs(tmp_path):
    result = package(tmp_path / "dist")
    assert result.returncode == 0, result.stderr
    tgz = tmp_path / "dist" / "zdd-buildpack.tgz"
    digest, name = (tmp_path / "dist" / "zdd-buildpack.tgz.sha256").read_text().split()
    assert name == "zdd-buildpack.tgz"
    assert digest == hashlib.sha256(tgz.read_bytes()).hexdigest()
    assert digest in result.stdout

    unpacked = tmp_path / "buildpack"
    with tarfile.open(tgz) as tar:
        names = tar.getnames()
        tar.extractall(unpacked, filter="data")
    assert {"bin/detect", "bin/compile", "bin/release"} <= set(names)
    assert not any(n.startswith(("buildpack/", "/", "..")) for n in names)

    build = Build(tmp_path / "run", "maven-procfile", buildpack=unpacked)
    compiled = build.compile()
    assert compiled.returncode == 0, compiled.output
    assert compiled.stdout.startswith("-----> zdd ")
    assert (build.build_dir / ".zdd" / "bin" / "release-check").is_file()
    assert procfile_types(build.procfile)["release"] == ".zdd/bin/release-check"
    assert build.detect().returncode == 0 and build.release().returncode == 0


def test_packaging_is_deterministic(tmp_path):
    assert package(tmp_path / "a").returncode == 0
    assert package(tmp_path / "b").returncode == 0
    a = (tmp_path / "a" / "zdd-buildpack.tgz").read_bytes()
    b = (tmp_path / "b" / "zdd-buildpack.tgz").read_bytes()
    assert a == b


def test_modes_come_from_the_layout_not_the_working_tree(tmp_path):
    """A tree whose programs lost their x bit (core.fileMode=false, a plain copy) and whose data
    gained one still packs bin/* and opt/* as 0755 and the rest as 0644."""
    import shutil

    from bp_harness import BUILDPACK

    from tools.package_buildpack import package as pack

    source = tmp_path / "buildpack"
    shutil.copytree(BUILDPACK, source)
    for path in source.rglob("*"):
        if path.is_file():
            path.chmod(0o644)
    (source / "lib" / "api.sh").chmod(0o755)
    (source / "README.md").chmod(0o755)
    tgz, _ = pack(tmp_path / "dist", source)
    with tarfile.open(tgz) as tar:
        modes = {m.name: m.mode for m in tar.getmembers()}
    programs = {n for n in modes if n.startswith(("bin/", "opt/"))}
    assert {"bin/compile", "bin/detect", "bin/release", "opt/release-check"} <= programs
    for name, mode in modes.items():
        if name in programs or name in ("bin", "opt", "lib", "profile.d"):
            assert mode == 0o755, name
        else:
            assert mode == 0o644, name
    # and the unpacked buildpack runs
    unpacked = tmp_path / "unpacked"
    with tarfile.open(tgz) as tar:
        tar.extractall(unpacked, filter="data")
    build = Build(tmp_path / "run", "maven-procfile", buildpack=unpacked)
    assert build.compile().returncode == 0


def test_the_dyno_size_table_is_packed_as_a_file_not_a_link(tmp_path):
    """buildpack/lib/dyno_sizes.json is a git symlink to zdd/data/dyno_sizes.json: a tarball
    holding the link would point outside the buildpack once Heroku unpacks it."""
    assert package(tmp_path / "dist").returncode == 0
    with tarfile.open(tmp_path / "dist" / "zdd-buildpack.tgz") as tar:
        member = tar.getmember("lib/dyno_sizes.json")
        assert member.isfile() and member.mode == 0o644
        packed = tar.extractfile(member).read()
    assert packed == (REPO / "zdd" / "data" / "dyno_sizes.json").read_bytes()
