"""zdd: zero-downtime deploys on Heroku, planned, applied, verified and undoable."""

__version__ = "0.1.0"
