"""The companion buildpack as the tarball Heroku fetches by URL: build it, find the bundled one.

Heroku takes a buildpack from the root of a git repository or from a .tgz URL; ours lives in
buildpack/, so the tarball has bin/, lib/, ... at its root. The archive is deterministic (sorted
entries, fixed times, owner and modes, gzip without a name or time), so the same tree always
gives the same checksum. Modes come from the layout, not the working tree: bin/* and opt/* are
0755, directories 0755, everything else 0644.

The wheel carries the tarball (zdd/data/zdd-buildpack.tgz, made by hatch_build.py); a source
checkout builds it from buildpack/ on demand, so both give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

ARTIFACT = "zdd-buildpack.tgz"
MTIME = 946684800  # 2000-01-01T00:00:00Z: fixed, so the bytes depend on the content only
SKIP_PARTS = {"__pycache__", ".pytest_cache"}
BUNDLED = Path(__file__).resolve().parent / "data" / ARTIFACT
SOURCE = Path(__file__).resolve().parent.parent / "buildpack"


class BuildpackMissing(RuntimeError):
    """Neither a bundled tarball nor a buildpack/ folder to build one from."""


def files(source: Path) -> list[Path]:
    return sorted(
        p
        for p in source.rglob("*")
        if not SKIP_PARTS & set(p.relative_to(source).parts) and (p.is_file() or p.is_dir())
    )


def is_program(source: Path, path: Path) -> bool:
    """bin/* and opt/* are programs (0755) whatever their mode in the working tree (a checkout
    with core.fileMode=false, a copy that lost the x bit); everything else is data (0644)."""
    parts = path.relative_to(source).parts
    return len(parts) == 2 and parts[0] in ("bin", "opt") and path.is_file()


def tar_bytes(source: Path) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in files(source):
            # resolve(): a symlink (lib/dyno_sizes.json -> zdd/data/) is packed as the file it names
            info = tar.gettarinfo(str(path.resolve()), arcname=path.relative_to(source).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = MTIME
            info.mode = 0o755 if path.is_dir() or is_program(source, path) else 0o644
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return raw.getvalue()


def tgz_bytes(source: Path = SOURCE) -> bytes:
    """The gzip tarball of `source` (a buildpack folder with bin/compile)."""
    if not (source / "bin" / "compile").is_file():
        raise BuildpackMissing(f"{source} is not a buildpack (no bin/compile)")
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0, compresslevel=9) as gz:
        gz.write(tar_bytes(source))
    return compressed.getvalue()


def bundled() -> bytes:
    """The companion tarball this zdd ships: the wheel's copy, else built from the checkout."""
    if BUNDLED.is_file():
        return BUNDLED.read_bytes()
    if (SOURCE / "bin" / "compile").is_file():
        return tgz_bytes(SOURCE)
    raise BuildpackMissing(
        f"This zdd install has no companion buildpack tarball ({BUNDLED} is missing)."
    )


def write(out: Path, data: bytes) -> tuple[Path, str]:
    """Write out/zdd-buildpack.tgz and its .sha256 (`sha256sum -c` format); (path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    target = out / ARTIFACT
    target.write_bytes(data)
    (out / f"{ARTIFACT}.sha256").write_text(f"{digest}  {ARTIFACT}\n")
    return target, digest
