"""Pipelines and promotions, minimal: couplings (seeded or made through the API) and a promotion
that copies the source app's slug to each target app as a new release there.

As on Heroku (https://devcenter.heroku.com/articles/pipelines#promoting): a promotion does not
rebuild (no `bin/compile`); the target release runs the release phase and opens a preboot window
like any release (https://devcenter.heroku.com/articles/release-phase: "a pipeline promotion").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import CEDAR, FIR, stable_id
from .records import AppRecord, Release, iso

STAGES = ("test", "review", "development", "staging", "production")


@dataclass
class Pipeline:
    name: str
    id: str
    created_at: float
    generation: str = "cedar"
    couplings: dict[str, str] = field(default_factory=dict)  # app id -> stage

    def to_api(self, account_id: str) -> dict:
        return {
            "created_at": iso(self.created_at),
            "id": self.id,
            "name": self.name,
            "owner": {"id": account_id, "type": "user"},
            "updated_at": iso(self.created_at),
            "generation": dict(FIR if self.generation == "fir" else CEDAR),
        }

    def coupling_body(self, app: AppRecord) -> dict:
        # `pipeline.name` is not in the schema's coupling (not strict); the CLI prints it.
        return {
            "app": {"id": app.id},
            "created_at": iso(self.created_at),
            "id": stable_id("coupling", self.id, app.id),
            "pipeline": {"id": self.id, "name": self.name},
            "stage": self.couplings[app.id],
            "updated_at": iso(self.created_at),
        }


@dataclass
class Promotion:
    id: str
    pipeline: Pipeline
    source: AppRecord
    source_release: Release
    created_at: float
    targets: list[tuple[AppRecord, Release]] = field(default_factory=list)

    def target_status(self, rel: Release) -> str:
        return {"pending": "pending", "failed": "failed"}.get(rel.status, "succeeded")

    def to_api(self) -> dict:
        done = all(self.target_status(r) != "pending" for _, r in self.targets)
        return {
            "created_at": iso(self.created_at),
            "id": self.id,
            "pipeline": {"id": self.pipeline.id},
            "source": {"app": {"id": self.source.id}, "release": {"id": self.source_release.id}},
            "status": "completed" if done else "pending",
            "updated_at": iso(self.created_at),
        }

    def targets_api(self) -> list[dict]:
        out = []
        for app, rel in self.targets:
            status = self.target_status(rel)
            out.append(
                {
                    "app": {"id": app.id},
                    "error_message": "Release command failed" if status == "failed" else None,
                    "id": stable_id("promotion-target", self.id, app.id),
                    "pipeline_promotion": {"id": self.id},
                    "release": {"id": rel.id},
                    "status": status,
                }
            )
        return out
