"""SIREN numbers: nine digits whose last is a Luhn check digit.

The DGCL's epcicom lists every EPCI and member commune by SIREN, and the pipeline rejects an
invalid one, so invented numbers must still pass the Luhn test.
"""

from __future__ import annotations


def luhn_digit(digits: str) -> str:
    """The check digit that makes `digits + digit` pass the Luhn test (as every SIREN does)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def siren(body: str) -> str:
    """A Luhn-valid SIREN from its first eight digits."""
    return body + luhn_digit(body)


def commune_siren(code: str) -> int:
    """SIREN of a commune: 21 + département (2A -> 20) + 0 + commune number + check digit."""
    departement = "20" if code[:2] in ("2A", "2B") else code[:2]
    return int(siren(f"21{departement}0{code[2:]}"))
