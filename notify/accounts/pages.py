"""Public pages: home, the legal texts a holder accepts when opening an account (each
published version stays readable), and the pages every French public site carries
(accessibility, legal notice, personal data, help on the appeal deadline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, render_template

from notify.accounts.texts import ALL_TEXTS, ATTESTATION, CONDITIONS
from notify.legal.deadlines import appeal_deadline, notification
from notify.legal.territories import Territory

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    return render_template("pages/home.html")


@bp.route("/conditions-generales")
def conditions():
    return render_template("pages/legal_text.html", text=CONDITIONS)


@bp.route("/modalites-delai-de-recours")
def attestation():
    return render_template("pages/legal_text.html", text=ATTESTATION)


@bp.route("/textes/<version>")
def legal_text(version: str):
    text = ALL_TEXTS.get(version)
    if text is None:
        abort(404)
    return render_template("pages/legal_text.html", text=text)


@bp.route("/accessibilite")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.route("/mentions-legales")
def legal_notice():
    return render_template("pages/legal_notice.html")


@bp.route("/donnees-personnelles")
def personal_data():
    # The durations shown are the settings in force, so the page cannot drift from them.
    return render_template("pages/personal_data.html",
                           settings=current_app.extensions["notify"].settings)


# The help page's worked example is computed by the rules the service applies, so that
# the page cannot say something the service does not do.
EXAMPLE_MADE_AVAILABLE_AT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class AppealExample:
    made_available_at: datetime
    notified_at: datetime
    notified_on: date
    deadline: date


def appeal_example(made_available_at: datetime = EXAMPLE_MADE_AVAILABLE_AT) -> AppealExample:
    """A metropolitan holder who never opens a decision made available at that instant."""
    notice = notification(made_available_at, None, Territory.METROPOLE)
    return AppealExample(made_available_at, notice.at, notice.on,
                         appeal_deadline(notice.on, Territory.METROPOLE))


@bp.route("/aide/delai-de-recours")
def appeal_help():
    return render_template("pages/appeal_help.html", example=appeal_example())
