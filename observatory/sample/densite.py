"""Sample copy of INSEE's grille communale de densité (observatory/formats/densite.py).

The sample's communes get a class a reader can predict: the city (Cité-Échantillon) is a
grand centre urbain, its neighbour a ceinture urbaine, Bourg-Fictif a petite ville with three
ceinture communes, and the other communes are bourgs ruraux, rural dispersé or très dispersé by
population. Communes merged later keep their own class in the grids of the years before the
merger, so the harmonisation to the target COG has parts of different classes to combine.
"""

from __future__ import annotations

from observatory.formats.archive import zip_bytes
from observatory.formats.densite import CLASSES, ZIP_YEARS, grille_sheet, workbook_name
from observatory.formats.names import libelle
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.geography import COMMUNES, Commune, geography, population

_FIXED = {"69901": 1, "69902": 3, "01901": 4, "01902": 3, "01903": 3, "01907": 3}
_NOTE = "Échantillon synthétique : communes et classes inventées pour les tests."


def classe(commune: Commune, pmun: int) -> int:
    """The sample's density class of a commune of `pmun` inhabitants."""
    if commune.code in _FIXED:
        return _FIXED[commune.code]
    if pmun >= 1500:
        return 5
    return 6 if pmun >= 600 else 7


def _workbook(year: int) -> bytes:
    geo = geography(year)
    population_year = year - 3
    totals: dict[str, int] = {}
    for commune in COMMUNES:
        code = commune.parent or geo.code_of(commune.code)
        totals[code] = totals.get(code, 0) + population(commune, population_year)[0]
    rows = []
    for commune in sorted(geo.communes, key=lambda c: c.code):
        if commune.typecom != "COM":
            continue  # the grid lists communes: a city's arrondissements are not rows of it
        pmun = totals[commune.code]
        dens = classe(commune, pmun)
        name = libelle(geo.names[commune.code], commune.tncc)
        rows.append([commune.code, name, dens, CLASSES[dens], pmun])
    return xlsx_bytes([grille_sheet(year, population_year, rows, _NOTE)])


def grille_densite(millesime: int) -> bytes:
    """The workbook of `millesime`, or for 2015-2020 the zip holding the six yearly workbooks."""
    if millesime in ZIP_YEARS:
        return zip_bytes([(workbook_name(y), _workbook(y)) for y in ZIP_YEARS])
    return _workbook(millesime)
