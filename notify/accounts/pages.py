"""Public pages: home, and the legal texts a holder accepts when opening an account
(each published version stays readable)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from notify.accounts.texts import ALL_TEXTS, ATTESTATION, CONDITIONS

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
