"""What the owner reads about his file: where it stands, what is expected of him, by
when, and whom to ask. Pure: "now" and the instant the file entered its state are given.

Sources: the national site's help pages on statuses; service-public.fr on delivery (the
provisional certificate (CPI) is valid one month, in France only; the card comes by
secure post; a card not collected within 15 days at the post office goes back to the
sender). Assumption where the texts are silent: the 15 days run from the day the notice
is left, counted in calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from notify.registrations.states import InformationService, State

CPI_VALIDITY = timedelta(days=30)  # « un mois » (service-public.fr)
POST_OFFICE_KEEPS = timedelta(days=15)


@dataclass(frozen=True)
class Guidance:
    """``action`` is None when nothing is expected of the owner."""

    meaning: str
    action: str | None
    due_at: datetime | None = None
    finished: bool = False


def guidance(state: State, entered_at: datetime, *,
             information_service: InformationService | None = None,
             filed_by_provider: bool = False) -> Guidance:
    state = State(state)
    filer = ("votre professionnel habilité" if filed_by_provider else "vous")
    match state:
        case State.TO_COMPLETE:
            return Guidance("La demande a été commencée mais n'est pas encore transmise.",
                            f"Il reste à {filer} de compléter la demande et de la transmettre."
                            if not filed_by_provider else
                            "Votre professionnel doit compléter et transmettre la demande ; "
                            "fournissez-lui les pièces qu'il vous demande.")
        case State.AWAITING_PAYMENT:
            return Guidance("La demande est complète ; les taxes et la redevance ne sont pas "
                            "encore payées.",
                            "Payez les taxes et la redevance pour que l'instruction commence."
                            if not filed_by_provider else
                            "Votre professionnel doit régler les taxes et la redevance.")
        case State.UNDER_REVIEW:
            return Guidance("Un centre d'expertise et de ressources des titres (CERT) examine "
                            "la demande. Elle ne peut pas être modifiée pendant l'examen.", None)
        case State.AWAITING_INFORMATION:
            who = ("le service des impôts (DGFiP), pour le quitus fiscal"
                   if information_service == InformationService.TAX
                   else "le service d'immatriculation")
            return Guidance(f"L'examen est suspendu : {who} attend une information ou une "
                            "pièce.",
                            "Lisez le motif ci-dessous et répondez avec la pièce demandée ; "
                            "l'examen reprend dès réception.")
        case State.REJECTED:
            return Guidance("La demande a été rejetée ; le motif est indiqué ci-dessous.",
                            "Une nouvelle demande est possible une fois le motif corrigé.",
                            finished=True)
        case State.APPROVED:
            return Guidance("La demande est acceptée. Le certificat provisoire "
                            "d'immatriculation (CPI) permet de circuler en France pendant un "
                            "mois.", None, due_at=entered_at + CPI_VALIDITY)
        case State.IN_PRODUCTION:
            return Guidance("La carte grise est en cours de fabrication.", None)
        case State.IN_TRANSIT:
            return Guidance("La carte grise est confiée à La Poste, en envoi sécurisé "
                            "(remise contre signature), en général sous 7 jours ouvrés.", None)
        case State.DELIVERY_NOTICE:
            return Guidance("Personne n'était présent à la livraison : La Poste garde la "
                            "carte grise 15 jours.",
                            "Retirez-la au bureau de poste indiqué sur l'avis de passage, "
                            "avec une pièce d'identité.",
                            due_at=entered_at + POST_OFFICE_KEEPS)
        case State.RETURNED:
            return Guidance("La carte grise n'a pas été retirée à temps et a été renvoyée à "
                            "l'expéditeur.",
                            "Contactez le centre d'instruction ci-dessous pour obtenir un "
                            "nouvel envoi.")
        case State.DELIVERED:
            return Guidance("La carte grise a été distribuée. La démarche est terminée.", None,
                            finished=True)
        case State.ABANDONED:
            return Guidance("La demande a été classée sans suite ; le motif est indiqué "
                            "ci-dessous.", None, finished=True)
    raise AssertionError(state)  # pragma: no cover - every state is matched above

