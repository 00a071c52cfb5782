"""Hatch build hook: put the companion buildpack tarball in the wheel (zdd/data/zdd-buildpack.tgz).

Built from buildpack/ with the same rules as tools/package_buildpack.py (zdd/buildpack_archive.py),
so `zdd buildpack --out DIR` from a pip install writes the very bytes a release would publish.
Editable installs skip it: a checkout builds the tarball from buildpack/ on demand.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        found = (root / "buildpack" / "VERSION").read_text().strip()
        if found != self.metadata.version:
            raise RuntimeError(
                f"buildpack/VERSION says {found!r} but zdd is {self.metadata.version}: "
                "make them agree (the default companion URL names zdd's version)"
            )
        sys.path.insert(0, str(root))
        try:
            from zdd.buildpack_archive import ARTIFACT, tgz_bytes
        finally:
            sys.path.remove(str(root))
        out = Path(tempfile.mkdtemp(prefix="zdd-wheel-")) / ARTIFACT
        out.write_bytes(tgz_bytes(root / "buildpack"))
        build_data["force_include"][str(out)] = f"zdd/data/{ARTIFACT}"
