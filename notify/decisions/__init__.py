"""Decisions withdrawing or restoring points: deposit, routing, consultation, notification."""


def init_app(app) -> None:
    """Register the decisions' blueprints and CLI commands on ``app``."""
