"""Errors mapped to HTTP answers in one place: French HTML pages, JSON under /api/."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from notify.errors import DomainError

log = logging.getLogger(__name__)

TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Contenu trop volumineux",
    415: "Type de contenu non pris en charge",
    429: "Trop de tentatives",
    500: "Erreur interne",
}

EXPLANATIONS = {
    400: "La demande n'a pas pu être traitée.",
    401: "Vous devez vous authentifier pour accéder à cette ressource.",
    403: "Vous n'avez pas le droit d'accéder à cette page.",
    404: "La page que vous cherchez n'existe pas ou a été déplacée.",
    405: "Cette adresse ne s'utilise pas de cette façon.",
    413: "Le contenu envoyé dépasse la taille autorisée.",
    429: "Trop de tentatives en peu de temps. Patientez avant de réessayer.",
    500: "Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez plus tard.",
}


def error_response(status: int, message: str | None = None, *, details=None):
    message = message or EXPLANATIONS.get(status) or TITLES.get(status, "Erreur")
    if request.path.startswith("/api/") or request.path.startswith("/tsa"):
        body = {"error": {"status": status, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status,
                           title=TITLES.get(status, "Erreur"), message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, "Le formulaire a expiré ou n'est pas valide. "
                                   "Rechargez la page et recommencez.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        body, status = error_response(exc.code or 500)
        response = app.make_response((body, status))
        # What the exception says beyond its page: ``Allow`` on a 405 (RFC 9110, 15.5.6).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
