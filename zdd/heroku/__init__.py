"""The Heroku Platform API client: ``HerokuClient`` and the models it returns."""

from zdd.heroku.client import HerokuClient
from zdd.heroku.models import (
    Account,
    App,
    BuildpackInstallation,
    Dyno,
    DynoSize,
    Feature,
    Formation,
    FormationUpdate,
    OAuthAuthorization,
    RateLimit,
    Release,
    same_size,
)
from zdd.heroku.transport import Idempotency, RequestStats

__all__ = [
    "Account",
    "App",
    "BuildpackInstallation",
    "Dyno",
    "DynoSize",
    "Feature",
    "Formation",
    "FormationUpdate",
    "HerokuClient",
    "Idempotency",
    "OAuthAuthorization",
    "RateLimit",
    "Release",
    "RequestStats",
    "same_size",
]
