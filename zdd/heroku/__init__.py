"""The Heroku Platform API client: ``HerokuClient`` and the models it returns."""

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

__all__ = [
    "Account",
    "App",
    "BuildpackInstallation",
    "Dyno",
    "DynoSize",
    "Feature",
    "Formation",
    "FormationUpdate",
    "OAuthAuthorization",
    "RateLimit",
    "Release",
    "same_size",
]
