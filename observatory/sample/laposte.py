"""Sample copy of La Poste's postcode file, consistent with the sites of the RPPS sample.

Layout of La Poste's `019HexaSmal.csv`:
`#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5`, `;`,
ISO-8859-1 (Latin-1 whatever the HTTP charset says: the header's `é` is one byte), CRLF (as the
real extract), names in upper case without accents. Like the real file it lists the
arrondissements of the city (with their own postcodes), never the city itself. It agrees with the
RPPS sample (observatory.sample.annuaire): POSTCODE_ONLY serves one commune only and
CEDEX_WITHOUT_COMMUNE is absent, so that placing its sites by postcode can be checked by hand.
"""

from __future__ import annotations

from observatory.formats.delimited import csv_bytes
from observatory.formats.names import ARTICLES, poste_name
from observatory.sample.annuaire import CEDEX_WITHOUT_COMMUNE, POSTCODE_ONLY
from observatory.sample.geography import COMMUNES, geography

_COMMUNE = {c.code: c for c in COMMUNES}

POSTCODES = {  # original commune -> its postcodes (a commune may have several; many share one)
    "01901": ("01990", "01999"),
    **{f"01{n}": ("01991",) for n in range(902, 907)},
    **{f"01{n}": ("01993",) for n in range(907, 910)},
    **{f"01{n}": ("01995",) for n in range(910, 915)},
    **{f"01{n}": ("01996",) for n in range(915, 919)},
    **{f"01{n}": ("01998",) for n in range(919, 922)},
    "01922": (POSTCODE_ONLY,),
    **{f"01{n}": ("01994",) for n in range(923, 927)},
    **{f"01{n}": ("01997",) for n in range(927, 931)},
    "69981": ("69991",),
    "69982": ("69992",),
    "69983": ("69993",),
    "69902": ("69990",),
    "2A901": ("20990",),
    "2A902": ("20990", "20991"),
}


def codes_postaux(millesime: int) -> bytes:
    """One row per commune x postcode (x ligne 5) of the COG of `millesime`; arrondissements
    with their own postcodes, the city itself absent (as Paris, Lyon and Marseille are)."""
    geo = geography(millesime)
    absorbed_by: dict[str, list[str]] = {}
    for commune in COMMUNES:
        code = geo.code_of(commune.code)
        if code != commune.code:
            absorbed_by.setdefault(code, []).append(commune.code)
    parents = {c.parent for c in geo.communes if c.parent}
    rows = []
    for commune in sorted(geo.communes, key=lambda c: c.code):
        if commune.code in parents:
            continue
        if commune.typecom == "ARM":
            city = poste_name(geo.names[commune.parent or ""])
            name, acheminement = f"{city} {int(commune.code[3:]) - 80:02d}", city
        else:
            name = poste_name(ARTICLES[commune.tncc] + geo.names[commune.code])
            acheminement = name
        entries = [(p, "") for p in POSTCODES[commune.code]]
        for old in sorted(absorbed_by.get(commune.code, [])):
            old_commune = _COMMUNE[old]
            old_name = poste_name(ARTICLES[old_commune.tncc] + old_commune.name)
            entries += [(p, old_name) for p in POSTCODES[old]]
        for postcode, ligne_5 in entries:
            rows.append([commune.code, name, postcode, acheminement, ligne_5])
    if any(r[2] == CEDEX_WITHOUT_COMMUNE for r in rows):
        raise AssertionError("the CEDEX code must not be in the La Poste sample")
    header = [
        "#Code_commune_INSEE",
        "Nom_de_la_commune",
        "Code_postal",
        "Libellé_d_acheminement",
        "Ligne_5",
    ]
    return csv_bytes(header, rows, separator=";", crlf=True, encoding="latin-1")
