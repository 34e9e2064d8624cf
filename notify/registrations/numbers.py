"""The numbers a registration file carries: VIN, registration number, SIRET. Pure.

Sources: arrêté du 9 février 2009 (SIV) for the registration number; ISO 3779 and the
North-American check digit (49 CFR 565) for the VIN; INSEE for the SIRET (Luhn).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from notify.errors import InvalidInput

# --- VIN (ISO 3779) ---------------------------------------------------------------------

_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_TRANSLITERATION = {**{str(d): d for d in range(10)},
                    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
                    **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
                    **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Vin:
    value: str
    warnings: tuple[str, ...] = ()


def vin_check_digit(vin: str) -> str:
    """The North-American check digit of position 9: letters transliterated, weighted
    sum modulo 11, 10 written X (49 CFR 565.15)."""
    total = sum(_TRANSLITERATION[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_vin(value: str, *, field: str = "vin") -> Vin:
    """A VIN: 17 characters, digits and capital letters except I, O and Q (ISO 3779).

    European VINs need not carry the North-American check digit: a wrong one gives a
    warning, never a refusal (rules file, « Numbers »).
    """
    vin = re.sub(r"[\s-]", "", value or "").upper()
    if len(vin) != 17:
        raise InvalidInput(f"Le numéro VIN doit compter 17 caractères (reçu {len(vin)}).",
                           field=field)
    if not _VIN_CHARS.match(vin):
        bad = sorted({ch for ch in vin if ch in "IOQ" or not ch.isalnum()})
        raise InvalidInput("Le numéro VIN ne contient que des chiffres et des lettres, "
                           f"jamais I, O ni Q (trouvé : {', '.join(bad)}).", field=field)
    warnings = ()
    if vin[8] != vin_check_digit(vin):
        warnings = ("Le 9e caractère du VIN n'est pas la clé de contrôle nord-américaine "
                    f"({vin_check_digit(vin)} attendu) : normal pour un véhicule européen, "
                    "vérifiez-le sur le certificat de conformité.",)
    return Vin(vin, warnings)


# --- registration number (SIV / FNI) --------------------------------------------------


class PlateFormat(enum.StrEnum):
    SIV = "siv"  # AA-123-AA, since 2009
    PROVISIONAL = "ww"  # WW-123-AA, provisional (arrêté du 9 février 2009, art. 8)
    OLD = "fni"  # 123-AB-01, the former FNI numbers, met on a change of owner


@dataclass(frozen=True)
class Plate:
    value: str
    format: PlateFormat


_SIV = re.compile(r"^([A-Z]{2})-?(\d{3})-?([A-Z]{2})$")
_FNI = re.compile(r"^(\d{1,4})-?([A-Z]{1,3})-?(\d{2}|2A|2B|97\d)$")
_SIV_EXCLUDED = set("IOU")


def parse_plate(value: str, *, field: str = "plate") -> Plate:
    """A registration number, written with its hyphens.

    SIV (arrêté du 9 février 2009): two letters, three digits, two letters; never I, O
    nor U; ``SS`` in neither group; never ``000``; ``WW`` on the left only for the
    provisional numbers. The former FNI format (``123-AB-01``) is accepted as such.
    """
    raw = re.sub(r"\s", "", value or "").upper()
    siv = _SIV.match(raw)
    if siv:
        left, digits, right = siv.groups()
        letters = set(left + right)
        if letters & _SIV_EXCLUDED:
            raise InvalidInput("Un numéro d'immatriculation ne contient jamais les lettres "
                               "I, O ni U.", field=field)
        if "SS" in (left, right):
            raise InvalidInput("La série « SS » n'est pas attribuée.", field=field)
        if digits == "000":
            raise InvalidInput("Le groupe de chiffres « 000 » n'est pas attribué.",
                               field=field)
        if right == "WW":
            raise InvalidInput("« WW » n'est jamais attribué à droite.", field=field)
        kind = PlateFormat.PROVISIONAL if left == "WW" else PlateFormat.SIV
        return Plate(f"{left}-{digits}-{right}", kind)
    fni = _FNI.match(raw)
    if fni:
        return Plate("-".join(fni.groups()), PlateFormat.OLD)
    raise InvalidInput("Le numéro d'immatriculation doit avoir la forme AA-123-AA "
                       "(ou l'ancienne forme 123-AB-01).", field=field)


# --- SIRET (INSEE) ------------------------------------------------------------------

_LA_POSTE_SIREN = "356000000"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def parse_siret(value: str, *, field: str = "siret") -> str:
    """A SIRET: 14 digits passing the Luhn check. La Poste's establishments (SIREN
    356 000 000) are too many for it: INSEE checks theirs by the sum of the digits
    being a multiple of 5."""
    siret = re.sub(r"[\s.]", "", value or "")
    if not re.fullmatch(r"\d{14}", siret):
        raise InvalidInput("Le SIRET compte 14 chiffres.", field=field)
    if siret.startswith(_LA_POSTE_SIREN) and siret != _LA_POSTE_SIREN + "00048":
        valid = sum(int(ch) for ch in siret) % 5 == 0
    else:
        valid = _luhn_ok(siret)
    if not valid:
        raise InvalidInput("Ce SIRET n'est pas valide (clé de contrôle erronée).", field=field)
    return siret
