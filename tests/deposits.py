"""Builders of deposit items, for the tests and the benchmark."""

from __future__ import annotations

from typing import Any


def withdrawal(reference: str, licence_number: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid withdrawal of 2 points leaving 10 (overrides replace fields; None drops one)."""
    item: dict[str, Any] = {
        "reference": reference, "licence_number": licence_number, "kind": "withdrawal",
        "points": 2, "balance_after": 10, "decided_on": "2026-11-20", "probationary": False,
        "offence": {"date": "2026-10-02", "place": "Lyon (69)",
                    "description": "Excès de vitesse inférieur à 20 km/h", "class": "C3"},
    }
    return _apply(item, overrides)


def restoration(reference: str, licence_number: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid restoration of 2 points leaving 12 under L. 223-6, 1st paragraph."""
    item: dict[str, Any] = {
        "reference": reference, "licence_number": licence_number, "kind": "restoration",
        "points": 2, "balance_after": 12, "decided_on": "2026-11-20", "probationary": False,
        "restoration_basis": "L223-6-1",
    }
    return _apply(item, overrides)


def _apply(item: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item
