"""The words of letter version 2 (``lettre-decision/2``), one text per letter model.

A letter is a tuple of ``Part``: a paragraph whose style is ``title``, ``heading``,
``strong`` or ``text`` and whose text is either fixed (a ``str``: the same in every
letter of that model) or a field (a function of the ``LetterFacts``). The parts of a
model are built once (``parts``); ``notify.decisions.letters`` renders the fixed ones
once per position and places only the fields in each letter.

Models (``notify.legal.routing.LetterModel``, legal-rules §10): « 48 » (withdrawal
leaving 7 to 11 points), « 48M » (1 to 6 points: the low balance and the advised
course: the only withdrawal letter with the course text), « 48N » (probationary
licence, three points or more: the compulsory course, R. 223-4), « 48SI » (balance
nil: loss of validity and the injunction to return the licence within ten days,
L. 223-5; no course text), and a restoration per basis of L. 223-6 / R. 223-8.

Changing any word here changes the letters' bytes: it is a new letter version (keep
this one reproducible, see ``notify.decisions.letters``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from notify.legal.courts import AppealTerms, appeal_terms
from notify.legal.deadlines import Residence
from notify.legal.points import OffenceClass, RestorationBasis
from notify.legal.routing import Channel, LetterModel, letter_model
from notify.legal.territories import Territory
from notify.web.formatting import date_fr

if TYPE_CHECKING:
    from notify.decisions.letters import LetterFacts


@dataclass(frozen=True, slots=True)
class Part:
    """One paragraph: ``text`` is the fixed text, or a function of the facts (a field)."""

    style: str
    text: str | Callable[[LetterFacts], str]
    key: Callable[[LetterFacts], object] | None = None
    """For a field of a few values (the date, the points, the appeal terms): what its
    text depends on, cheaper to compute than the text. A field without a key differs
    from one letter to the next (the reference, the licence number, the offence)."""

    def __post_init__(self) -> None:
        if isinstance(self.text, str):
            object.__setattr__(self, "text", tie(self.text))

    @property
    def fixed(self) -> bool:
        return isinstance(self.text, str)

    @property
    def unique(self) -> bool:
        return not self.fixed and self.key is None

    def of(self, facts: LetterFacts) -> str:
        return self.text if isinstance(self.text, str) else self.text(facts)


_TIES = re.compile(r"(?<=\b[LRD]\.) (?=\d)"
                   r"|(?<=\d) (?=(?:\d{3}|points?|mois|ans?|jours|euros|[IV]+)\b)")


def tie(text: str) -> str:
    """No line break inside « L. 223-5 », « 4 500 », « 6 points », « deux mois »: a
    no-break space (kept by the PDF's wrapping) where an ordinary one would split them."""
    return _TIES.sub("\u00a0", text)


SENDER = ("MINISTÈRE DE L'INTÉRIEUR", "Fichier national du permis de conduire")
"""The authority's block, top left of the first page."""

CLASS_LABELS = {
    OffenceClass.C1: "contravention de 1re classe",
    OffenceClass.C2: "contravention de 2e classe",
    OffenceClass.C3: "contravention de 3e classe",
    OffenceClass.C4: "contravention de 4e classe",
    OffenceClass.C5: "contravention de 5e classe",
    OffenceClass.DELIT: "délit",
}

_IN_TERRITORY = {
    Territory.METROPOLE: "en France métropolitaine",
    Territory.ALSACE_MOSELLE: "en Alsace-Moselle",
    Territory.GUADELOUPE: "en Guadeloupe",
    Territory.MARTINIQUE: "à la Martinique",
    Territory.GUYANE: "en Guyane",
    Territory.REUNION: "à La Réunion",
    Territory.MAYOTTE: "à Mayotte",
    Territory.SAINT_PIERRE_ET_MIQUELON: "à Saint-Pierre-et-Miquelon",
    Territory.SAINT_BARTHELEMY: "à Saint-Barthélemy",
    Territory.SAINT_MARTIN: "à Saint-Martin",
}
_MONTHS = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq"}

_TITLES = {
    LetterModel.WITHDRAWAL: "Retrait de points",
    LetterModel.LOW_BALANCE: "Retrait de points",
    LetterModel.PROBATIONARY: "Retrait de points sur un permis probatoire",
    LetterModel.INVALIDATION: "Retrait de points et perte de validité du permis",
    LetterModel.RESTORATION: "Reconstitution de points",
}


def points_fr(n: int) -> str:
    return f"{n}\u00a0point{'s' if n > 1 else ''}"


def address_lines(postal_address: str | None) -> tuple[str, ...]:
    """The address as the register sends it (« 12 rue des Lilas, 69003 Lyon »), one line
    per comma-separated part."""
    return tuple(line.strip() for line in (postal_address or "").split(",") if line.strip())


def terms_of(facts: LetterFacts) -> AppealTerms:
    """The appeal terms of the letter's holder: the very function the holder's page and
    the notification events use (``notify.legal.courts.appeal_terms``)."""
    return _terms(facts.territory, facts.postal_address)


_terms = lru_cache(maxsize=4)(appeal_terms)


def _decided_on(facts: LetterFacts):
    return facts.decided_on


def _points(facts: LetterFacts) -> int:
    return facts.points


def _balance_after(facts: LetterFacts) -> int:
    return facts.balance_after


# --- fields -------------------------------------------------------------------------


def _title(facts: LetterFacts) -> str:
    model = letter_model(facts.kind, facts.points, facts.balance_after, facts.probationary)
    return f"{_TITLES[model]} : décision du {date_fr(facts.decided_on)}"


def _reference(facts: LetterFacts) -> str:
    return f"Référence de la décision : {facts.reference}"


def _licence(facts: LetterFacts) -> str:
    return (f"Numéro du permis de conduire : {facts.licence_number}"
            + (" (permis probatoire)" if facts.probationary else ""))


_WITHDRAWN = ("Le ministre de l'Intérieur, la réalité de l'infraction ci-dessous étant "
              "établie, retire ", tie(
                  " du nombre de points affecté à votre permis de conduire (articles "
                  "L. 223-1 à L. 223-3 et R. 223-1 à R. 223-3 du code de la route)."))


def _withdrawn(facts: LetterFacts) -> str:
    return points_fr(facts.points).join(_WITHDRAWN)


def _offence(facts: LetterFacts) -> str:
    return (f"Infraction : {facts.offence_description} "
            f"({CLASS_LABELS[OffenceClass(facts.offence_class)]}), commise le "
            f"{date_fr(facts.offence_date)} à {facts.offence_place}.")


def _restored(facts: LetterFacts) -> str:
    restored = "sont reconstitués" if facts.points > 1 else "est reconstitué"
    return (f"Par décision du ministre de l'Intérieur, {points_fr(facts.points)} {restored} "
            f"sur votre permis de conduire.")


def _balance(facts: LetterFacts) -> str:
    return f"Solde de votre permis après cette décision : {points_fr(facts.balance_after)}."


def _within(facts: LetterFacts) -> str:
    return _within_terms(terms_of(facts))


def _court(facts: LetterFacts) -> str:
    return _court_terms(terms_of(facts))


def _residence_rule(facts: LetterFacts) -> str:
    return _residence_terms(terms_of(facts))


# The paragraphs that depend only on the appeal terms: a few dozen different ones.


@lru_cache(maxsize=256)
def _within_terms(terms: AppealTerms) -> str:
    return tie(f"Si vous entendez contester cette décision, vous pouvez, dans un délai de "
               f"{_MONTHS[terms.months]} mois à compter de sa notification (articles R. 421-1 "
               f"et R. 421-5 du code de justice administrative) :")


@lru_cache(maxsize=256)
def _court_terms(terms: AppealTerms) -> str:
    court = terms.court
    where = (f"le {court.name}, tribunal du lieu de votre résidence" if court is not None
             else "le tribunal administratif dans le ressort duquel se trouve votre "
                  "résidence")
    return tie(f"- former un recours contentieux devant {where} (articles R. 312-8 et "
               f"R. 221-3 du code de justice administrative), y compris par l'application "
               f"Télérecours citoyens (www.telerecours.fr).")


@lru_cache(maxsize=256)
def _residence_terms(terms: AppealTerms) -> str:
    where = _IN_TERRITORY[terms.territory]
    months = _MONTHS[terms.months]
    if terms.residence is Residence.FRANCE:
        return tie(f"Délai applicable à votre situation : vous demeurez {where}, dans le ressort "
                   f"du tribunal compétent ; le délai de {months} mois n'est donc pas augmenté "
                   f"(article R. 421-7 du code de justice administrative : un mois de plus "
                   f"seulement pour qui demeure outre-mer hors de la collectivité où siège le "
                   f"tribunal, deux mois pour qui demeure à l'étranger).")
    return tie(f"Délai applicable à votre situation : vous demeurez {where}, hors de la "
               f"collectivité où siège le tribunal compétent ; le délai est donc de {months} "
               f"mois (articles R. 421-1 et R. 421-7 du code de justice administrative).")


# --- fixed texts --------------------------------------------------------------------

_RECOVERY = (
    "Si vous ne commettez, pendant deux ans, aucune nouvelle infraction ayant donné lieu à "
    "retrait de points, votre permis est de nouveau affecté du nombre maximal de points ; ce "
    "délai est de trois ans si l'une des infractions est un délit ou une contravention de 4e "
    "ou 5e classe. Le point retiré pour une contravention des quatre premières classes est "
    "réattribué après six mois sans nouvelle infraction lorsque le retrait n'a porté que "
    "sur un point, et en tout état de cause dix ans après (article L. 223-6 du code de la "
    "route).")

_BASES = {
    RestorationBasis.TWO_YEARS: (
        "Fondement : article L. 223-6, premier alinéa, du code de la route. Aucune nouvelle "
        "infraction ayant donné lieu à retrait de points n'a été commise pendant deux ans : "
        "votre permis est de nouveau affecté du nombre maximal de points."),
    RestorationBasis.THREE_YEARS: (
        "Fondement : article L. 223-6, premier alinéa, du code de la route. L'une des "
        "infractions étant un délit ou une contravention de 4e ou 5e classe, aucune nouvelle "
        "infraction ayant donné lieu à retrait de points n'a été commise pendant trois ans : "
        "votre permis est de nouveau affecté du nombre maximal de points."),
    RestorationBasis.SINGLE_POINT: (
        "Fondement : article L. 223-6, deuxième alinéa, du code de la route. Le point retiré "
        "pour une contravention des quatre premières classes vous est réattribué, aucune "
        "nouvelle infraction ayant donné lieu à retrait de points n'ayant été commise "
        "pendant six mois."),
    RestorationBasis.TEN_YEARS: (
        "Fondement : article L. 223-6, troisième alinéa, du code de la route. Les points "
        "retirés pour une contravention des quatre premières classes vous sont réattribués "
        "dix ans après la date à laquelle la condamnation est devenue définitive ou "
        "l'amende forfaitaire a été payée."),
    RestorationBasis.STAGE: (
        "Fondement : articles L. 223-6, quatrième alinéa, et R. 223-8 du code de la route. "
        "Vous avez suivi un stage de sensibilisation à la sécurité routière : les points "
        "sont reconstitués dans la limite du nombre maximal de points de votre permis."),
}

_LOW_BALANCE = (
    Part("strong", "Attention : votre solde est de six points ou moins."),
    Part("text", "Si votre solde devient nul, votre permis perdra sa validité. Vous pouvez "
                 "suivre un stage de sensibilisation à la sécurité routière, qui permet de "
                 "récupérer jusqu'à quatre points, dans la limite du nombre maximal de points "
                 "de votre permis, au plus une fois par an (articles L. 223-6 et R. 223-8 du "
                 "code de la route)."),
)

_PROBATIONARY = (
    Part("heading", "Stage obligatoire"),
    Part("text", "Votre permis est un permis probatoire et cette décision vous retire trois "
                 "points ou plus : vous devez suivre un stage de sensibilisation à la sécurité "
                 "routière dans un délai de quatre mois à compter de la réception de la "
                 "présente lettre (article R. 223-4 du code de la route)."),
    Part("text", "Ne pas suivre ce stage dans ce délai est une contravention de la quatrième "
                 "classe, qui expose à une amende et à une suspension du permis de conduire "
                 "de trois ans au plus (article R. 223-4 du code de la route)."),
    Part("text", "Le stage vous permet de récupérer jusqu'à quatre points, dans la limite du "
                 "nombre maximal de points de votre permis probatoire (articles L. 223-6 et "
                 "R. 223-8 du code de la route)."),
)

_INVALIDATION = (
    Part("heading", "Perte de validité de votre permis de conduire"),
    Part("strong", "Le nombre de points de votre permis de conduire est nul : votre permis a "
                   "perdu sa validité et vous n'avez plus le droit de conduire (articles "
                   "L. 223-1 et L. 223-5 du code de la route)."),
    Part("text", "La présente lettre vous enjoint de remettre votre permis de conduire au "
                 "préfet de votre département de résidence dans un délai de dix jours à compter "
                 "de sa réception (article L. 223-5 I du code de la route). Ne pas vous "
                 "soumettre à cette injonction est un délit puni de deux ans d'emprisonnement "
                 "et de 4 500 euros d'amende (article L. 223-5 IV)."),
    Part("text", "Vous ne pourrez solliciter un nouveau permis de conduire qu'après un délai de "
                 "six mois à compter de la remise de votre permis, porté à un an si une autre "
                 "perte de validité pour solde nul est intervenue dans les cinq ans, et sous "
                 "réserve d'un examen médical, clinique, biologique et psychotechnique "
                 "favorable (article L. 223-5 II et III du code de la route)."),
    Part("text", "Les infractions qui ont conduit à ce solde figurent sur votre relevé "
                 "d'information intégral, que vous pouvez demander à la préfecture (article "
                 "L. 225-3 du code de la route)."),
)

_NOTIFICATION = {
    Channel.ONLINE: (
        "Cette décision est mise à disposition sur votre compte personnel du téléservice. Elle "
        "est réputée vous avoir été notifiée à la date à laquelle vous l'avez consultée pour "
        "la première fois ou, à défaut de consultation dans un délai de quinze jours à compter "
        "de sa mise à disposition, à l'issue de ce délai (article R. 223-3-1 III du code de la "
        "route). La date de notification et la date limite de recours figurent sur votre "
        "compte personnel, à côté de la décision."),
    Channel.POSTAL_REGISTERED: (
        "Cette décision vous est notifiée par lettre recommandée avec demande d'avis de "
        "réception (article R. 223-3 III du code de la route)."),
    Channel.POSTAL_SIMPLE: (
        "Cette décision vous est notifiée par lettre simple (article R. 223-3 III du code de "
        "la route)."),
}

_GRACIEUX = (
    "- former un recours gracieux auprès du ministre de l'Intérieur, ou un recours "
    "hiérarchique ; ce recours interrompt le délai du recours contentieux, qui court à "
    "nouveau à compter de la réponse, une absence de réponse pendant deux mois valant rejet ;")

_COUNTING = (
    "Ni le jour de la notification ni le jour de l'échéance ne sont comptés ; un délai qui "
    "expire un samedi, un dimanche ou un jour férié du lieu où vous demeurez est prorogé "
    "jusqu'au premier jour ouvrable suivant.")


def header_sender() -> list[tuple[str, str]]:
    return [("strong", SENDER[0]), ("text", SENDER[1])]


def header(facts: LetterFacts) -> list[tuple[str, str]]:
    """The authority and the addressee, as sections (the PDF places them in two blocks:
    the first three, then the addressee's)."""
    return [*header_sender(), ("text", ""), *addressee(facts)]


def addressee(facts: LetterFacts) -> list[tuple[str, str]]:
    """The addressee's block: his name, then his address, a line per part."""
    return [("strong", facts.holder_name or ""),
            *(("text", line) for line in address_lines(facts.postal_address))]


@lru_cache(maxsize=64)
def parts(model: LetterModel, basis: RestorationBasis | None, channel: Channel
          ) -> tuple[Part, ...]:
    """The body of a letter of ``model`` (``basis`` for a restoration), sent by
    ``channel``: every paragraph after the addressee's block."""
    body = [Part("title", _title, _decided_on), Part("text", _reference),
            Part("text", _licence), Part("heading", "Décision")]
    if model is LetterModel.RESTORATION:
        body += [Part("text", _restored, _points), Part("text", _BASES[basis]),
                 Part("strong", _balance, _balance_after)]
    else:
        body += [Part("text", _withdrawn, _points), Part("text", _offence),
                 Part("strong", _balance, _balance_after)]
    if model is LetterModel.INVALIDATION:
        body += _INVALIDATION
    elif model is LetterModel.PROBATIONARY:
        body += _PROBATIONARY
    if model in (LetterModel.WITHDRAWAL, LetterModel.LOW_BALANCE):
        body += [Part("heading", "Récupération des points"), Part("text", _RECOVERY)]
    if model is LetterModel.LOW_BALANCE:
        body += _LOW_BALANCE
    body += [
        Part("heading", "Notification"), Part("text", _NOTIFICATION[channel]),
        Part("heading", "Voies et délais de recours"), Part("text", _within, terms_of),
        Part("text", _GRACIEUX), Part("text", _court, terms_of),
        Part("text", _residence_rule, terms_of),
        Part("text", _COUNTING),
    ]
    return tuple(body)


def model_of(facts: LetterFacts) -> tuple[LetterModel, RestorationBasis | None, Channel]:
    """What chooses the letter's parts: ``parts(*model_of(facts))``."""
    return model_for(facts.kind, facts.points, facts.balance_after, facts.probationary,
                     facts.restoration_basis, facts.channel)


@lru_cache(maxsize=1024)
def model_for(kind: str, points: int, balance_after: int, probationary: bool,
              restoration_basis: str | None, channel: str
              ) -> tuple[LetterModel, RestorationBasis | None, Channel]:
    model = letter_model(kind, points, balance_after, probationary)
    basis = RestorationBasis(restoration_basis) if model is LetterModel.RESTORATION else None
    return model, basis, Channel(channel)


def parts_of(facts: LetterFacts) -> tuple[Part, ...]:
    return parts(*model_of(facts))
