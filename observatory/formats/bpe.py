"""The BPE (Base permanente des équipements) files: the columns of each edition, the gammes.

Editions differ (formats.md §1): BPE 2025 is `BPE25.parquet` with 95 columns; 2024 and 2023 are
one `;` CSV of 89 and 74 columns in a zip, every text field double-quoted (empty ones too),
numbers bare and empty when missing; 2021 is the old 24-column format, unquoted, latin-1, CRLF,
Lambert coordinates only. Both generators write each edition with these column lists, so a
column the pipeline expects can only go missing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from observatory.formats.delimited import Cell
from observatory.formats.projection import degrees_text
from observatory.formats.xlsx import Sheet

_HEADER_2025 = (
    '"AN";"APET";"NOMRS";"CNOMRS";"NUMVOIE";"INDREP";"TYPVOIE";"LIBVOIE";"CADR";"CODPOS";'
    '"DEPCOM";"DEP";"REG";"LIBCOM";"DOM";"SDOM";"TYPEQU";"SIRET";"STATUT_DIFFUSION";'
    '"CANTINE";"INTERNAT";"RPI";"EP";"CL_PGE";"SECT";"SECTEUR";"ACCES_AIRE_PRATIQUE";'
    '"ACCES_LIBRE";"ACCES_SANITAIRE";"ACCES_VESTIAIRE";"CAPACITE_D_ACCUEIL";"PRES_DOUCHE";'
    '"PRES_SANITAIRE";"SAISONNIER";"COUVERT";"ECLAIRE";"CATEGORIE";"MULTIPLEXE";'
    '"STRUCTURE_EXERCICE";"SPECIALITE";"ACCUEIL";"ITINERANCE";"MODE_GESTION";"SSTYPHEB";'
    '"TYPE";"TYPERESTO";"IMPLANTATION_STATION";"GPL";"CAPACITE";"INDIC_CAPA";"NBEQUIDENT";'
    '"INDIC_NBEQUIDENT";"NBSALLES";"INDIC_NBSALLES";"NBLIEUX";"INDIC_NBLIEUX";"NB_PDC";'
    '"INDIC_NB_PDC";"NB_PDC_PA";"INDIC_NB_PDC_PA";"NB_PDC_ACCELEREE";'
    '"INDIC_NB_PDC_ACCELEREE";"NB_PDC_LENTE";"INDIC_NB_PDC_LENTE";"NB_PDC_RAPIDE";'
    '"INDIC_NB_PDC_RAPIDE";"NB_PDC_ULTRARAPIDE";"INDIC_NB_PDC_ULTRARAPIDE";"NB_JOURS_OUVERT";'
    '"INDIC_NB_JOURS_OUVERT";"LAMBERT_X";"LAMBERT_Y";"LONGITUDE";"LATITUDE";"QUALITE_XY";'
    '"EPSG";"QUALITE_GEOLOC";"TR_DIST_PRECISION";"DCIRIS";"QUALI_IRIS";"IRISEE";"QP2024";'
    '"QUALI_QP2024";"QP2015";"QUALI_QP2015";"QVA";"QUALI_QVA";"ZUS";"QUALI_ZUS";"EPCI";'
    '"UU2020";"BV2022";"AAV2020";"DENS3";"DENS7"'
)
"""formats.md §1.1: the first line of BPE25.csv, verbatim (95 double-quoted names)."""

COLUMNS_2025 = tuple(name.strip('"') for name in _HEADER_2025.split(";"))

COLUMNS_2024 = tuple(
    c
    for c in COLUMNS_2025
    if c not in ("APET", "SECTEUR", "TYPERESTO", "GPL", "QP2015", "QUALI_QP2015")
)
"""formats.md §1.2: the 2025 header minus six columns (89 columns)."""

_NAMES_2023 = (
    "AN NOMRS CNOMRS NUMVOIE INDREP TYPVOIE LIBVOIE CADR LIBCOM CODPOS DEPCOM DEP REG DOM SDOM "
    "TYPEQU SIRET STATUT_DIFFUSION CANTINE INTERNAT RPI EP CL_PGE SECT ACCES_AIRE_PRATIQUE "
    "ACCES_LIBRE ACCES_SANITAIRE ACCES_VESTIAIRE CAPACITE_D_ACCUEIL PRES_DOUCHE PRES_SANITAIRE "
    "SAISONNIER COUVERT ECLAIRE CATEGORIE MULTIPLEXE ACCUEIL ITINERANCE MODE_GESTION SSTYPHEB "
    "TYPE CAPACITE INDIC_CAPA NBEQUIDENT INDIC_NBEQUIDENT NBSALLES INDIC_NBSALLES NBLIEUX "
    "INDIC_NBLIEUX LAMBERT_X LAMBERT_Y LONGITUDE LATITUDE QUALITE_XY EPSG QUALITE_GEOLOC "
    "TR_DIST_PRECISION DCIRIS QUALI_IRIS IRISEE QP2015 QUALI_QP2015 QP QUALI_QP QVA QUALI_QVA "
    "ZUS QUALI_ZUS EPCI UU2020 BV2022 AAV2020 DENS3 DENS7"
)
COLUMNS_2023 = tuple(_NAMES_2023.split())
"""formats.md §1.3: the 74 columns INSEE's catalogue records for BPE23.csv, in its order."""

_NAMES_2021 = (
    "AAV2020 AN BV2012 DEP DEPCOM DOM EPCI DCIRIS LAMBERT_X LAMBERT_Y QP QUALI_IRIS QUALI_QP "
    "QUALI_QVA QUALI_ZFU QUALI_ZUS QUALITE_XY QVA REG SDOM TYPEQU UU2020 ZFU ZUS"
)
COLUMNS_2021 = tuple(_NAMES_2021.split())
"""formats.md §1.4: the old format's 24 columns (bpe21_ensemble_xy.csv)."""

INTEGER_COLUMNS = (
    "CAPACITE",
    "NBEQUIDENT",
    "NBSALLES",
    "NBLIEUX",
    "NB_PDC",
    "NB_PDC_PA",
    "NB_PDC_ACCELEREE",
    "NB_PDC_LENTE",
    "NB_PDC_RAPIDE",
    "NB_PDC_ULTRARAPIDE",
    "NB_JOURS_OUVERT",
    "LAMBERT_X",
    "LAMBERT_Y",
)
DOUBLE_COLUMNS = ("LONGITUDE", "LATITUDE")
NUMERIC_COLUMNS = frozenset(INTEGER_COLUMNS + DOUBLE_COLUMNS)
COUNT_COLUMNS = tuple(c for c in INTEGER_COLUMNS if not c.startswith("LAMBERT"))
"""Counts of a facility (capacity, rooms, charging points...), each with its INDIC_ column."""
INDIC_COLUMNS = {c: f"INDIC_{'CAPA' if c == 'CAPACITE' else c}" for c in COUNT_COLUMNS}


def quoted_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """BPE 2023+ CSV: `;`, every text field double-quoted (empty ones too), numbers bare."""

    def cell(column: str, value: Cell) -> str:
        if column in NUMERIC_COLUMNS:
            if value is None:
                return ""
            return degrees_text(float(value)) if column in DOUBLE_COLUMNS else str(value)
        return '"' + str(value).replace('"', '""') + '"'

    lines = [";".join(f'"{c}"' for c in columns)]
    lines += [";".join(cell(c, v) for c, v in zip(columns, row, strict=True)) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sql_type(column: str) -> str:
    """The Parquet type of a BPE 2025 column: text except counts and metres (INTEGER) and
    degrees (DOUBLE)."""
    if column in INTEGER_COLUMNS:
        return "INTEGER"
    return "DOUBLE" if column in DOUBLE_COLUMNS else "VARCHAR"


NOMENCLATURE_HEADER = ("TYPEQU", "Libelle_TYPEQU", "Libelle_SDOM", "Libelle_DOM")
"""`TYPEQU_2025.csv` (`;`): the nomenclature of facility types."""

GAMME_LABELS = {
    "proximite": "Gamme de proximité",
    "intermediaire": "Gamme intermédiaire",
    "superieure": "Gamme supérieure",
    "hors": "Hors Gamme",
}
GAMMES_HEADER = (
    "TYPEQU_REGROUPEMENT",
    "LIBELLE_TYPEQU_REGROUPEMENT",
    "TYPEQU",
    "LIBELLE_TYPEQU",
    "GAMME",
    "SDOM",
    "LIBELLE_SDOM",
    "DOM",
    "LIBELLE_DOM",
)


def gammes_sheet(millesime: int, rows: Sequence[Sequence[Cell]]) -> Sheet:
    """`BPE_gammes_equipements_YYYY.xlsx`'s one sheet: three title rows, then the header."""
    return Sheet(
        f"Gammes {millesime}",
        [
            [f"Gammes d'équipements {millesime}"],
            [f"Source : Insee, Base permanente des équipements (BPE) {millesime}"],
            [],
            list(GAMMES_HEADER),
            *rows,
        ],
    )
