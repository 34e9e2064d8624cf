"""The holder's record of points as a PDF (« relevé »), drawn with ``notify.decisions.pdf``.

It says what the account page says: the balance left by the latest decision of any
channel, every decision with how it was sent and how it was notified, and the
restorations to expect with their rule and condition. Producing it reads the record
only: it is not a consultation of any decision (R. 223-3-1 III counts the opening of a
decision's own page or letter).
"""

from __future__ import annotations

from datetime import datetime

from notify.accounts.models import Holder
from notify.decisions.holder import Overview
from notify.decisions.letters import pdf_text
from notify.decisions.pdf import BOLD, REGULAR, TextDocument, wrap
from notify.web.formatting import date_fr, datetime_zone_fr

RECORD_VERSION = "releve-points/1"
MARGIN = 20.0
TEXT_WIDTH = 210.0 - 2 * MARGIN
TOP = MARGIN + 5
BOTTOM = 297.0 - 20.0
STYLES = {"title": (BOLD, 14.0, 7.0), "heading": (BOLD, 11.5, 6.0),
          "strong": (BOLD, 10.0, 4.8), "text": (REGULAR, 10.0, 4.8),
          "item": (REGULAR, 10.0, 4.8),
          "small": (REGULAR, 8.5, 4.0)}


def record_paragraphs(holder: Holder, record: Overview, now: datetime) -> list[tuple[str, str]]:
    """The record as (style, text) pairs."""
    parts = [
        ("title", "Relevé de mes décisions de points"),
        ("text", f"{holder.given_names} {holder.surname}, permis n° {holder.licence_number}"),
        ("small", f"Établi le {datetime_zone_fr(now, holder.territory)} sur le service "
                  "« Mes décisions de points ». Ce relevé n'est pas une décision et ne vaut "
                  "notification d'aucune décision."),
        ("heading", "Solde"),
    ]
    if record.balance is None:
        parts.append(("text", "Aucune décision n'a encore été déposée pour votre permis."))
    else:
        plural = "s" if record.balance > 1 else ""
        parts.append(("strong", f"{record.balance} point{plural}, d'après la dernière décision "
                                f"(décision du {date_fr(record.balance_decided_on)})."))
    if record.decisions:
        parts.append(("heading", "Décisions"))
    for item in record.decisions:
        parts += [("strong", f"{item.title} (référence {item.reference})"),
                  ("text", item.points_line or "Contenu supprimé au terme de la durée de "
                                                "conservation."),
                  ("text", item.sending_line + "."),
                  ("text", item.notification_line + ".")]
    if record.forecasts:
        parts += [("heading", "Reconstitutions à prévoir"),
                  ("small", "Une prévision, pas une décision : seule une décision de "
                            "reconstitution rend des points.")]
    for forecast in record.forecasts:
        condition = (f" À condition de ne commettre aucune nouvelle infraction entraînant un "
                     f"retrait de points avant le {date_fr(forecast.condition_until)}."
                     if forecast.condition_until else "")
        parts.append(("item", f"Le {date_fr(forecast.on)} : {forecast.summary}{condition} "
                              f"({forecast.rule})"))
    return parts


def render_record(holder: Holder, record: Overview, now: datetime) -> bytes:
    """The record's PDF (A4, French), one page or more."""
    document = TextDocument(title="Relevé de mes décisions de points",
                            producer=RECORD_VERSION, created_at=now, lang="fr-FR")
    document.add_page()
    y = TOP
    for style, text in record_paragraphs(holder, record, now):
        font, size, leading = STYLES[style]
        y += {"heading": 4.0, "strong": 1.5, "item": 1.5}.get(style, 0.0)
        for line in wrap(pdf_text(text), font, size, TEXT_WIDTH):
            if y > BOTTOM:
                document.add_page()
                y = TOP
            document.lines(MARGIN, y, leading, font, size, (line,))
            y += leading
    return document.output()
