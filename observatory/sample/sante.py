"""Sample copies of the health-professional files: RPPS extraction, ameli and DREES age tables,
La Poste postcodes.

Layouts follow ../shared/reference/data_sources.md §5 and formats.md §4-§5:

* ANS `ps-libreacces-personne-activite.txt`: the current 56-column header, `|`-separated, no
  quoting, UTF-8 with a BOM, LF, a trailing `|` on every line (an empty, unnamed last column);
  one row per activity (person x site x savoir-faire); `Code Département (structure)` empty on
  every row, as in the real file.
* data.ameli `demographie-effectifs-et-les-densites.csv`: the Opendatasoft export, `;`, UTF-8
  without BOM, `annee` as a plain year, quoting only when needed.
* DREES `Medecins_RPPS_2012-2026.xlsx`: `Lisez-moi`, `Effectifs` and `Densités` sheets, two title
  lines above the header row (row 3), "code-label" strings, `ND` in a few small cells.
* La Poste `019HexaSmal.csv`: `#Code_commune_INSEE;Nom_de_la_commune;Code_postal;
  Libellé_d_acheminement;Ligne_5`, `;`, UTF-8 without BOM, CRLF (as the real extract), names in
  upper case without accents. Like the real file it lists the arrondissements of the city (with
  their own postcodes), never the city itself.

The people of the RPPS file are invented (`NOM FICTIF n`, `Prénom n`); their identifiers are in
ranges real registers do not use (RPPS `1999...`, ADELI `01999....`), so are SIRET (`99990...`)
and FINESS (`01999....`). The cases the observatory must handle are written in PEOPLE below:
a GP with sites in two communes (1/2 in each), a site placed only by a postcode serving one
commune, a site with only a CEDEX code (quarantine), a hospital with a CEDEX code AND its commune
code (placed by the commune code, as the real Pontarlier row), a GP without any site
(quarantine), a GP with two savoir-faire rows at one site, a military (category M) doctor with a
general-practice savoir-faire, and professions the observatory ignores.

Codes that are plausible but not verified at the source: the SM codes of specialties other than
general practice (SM26, SM53, SM54 are verified), the capacité type `CAPA`, the pharmacy sector
`SA33`, the registration authorities, the ameli `classe_age` codes other than `tout_age`.
`Code rôle` and `Code genre activité` are left empty (their values are not documented here).

Densities (ameli and DREES) = effectif / population x 100,000, rounded to one decimal, with the
population of a year Y = the sum of the PMUN of the populations de référence of millésime Y - 3
over the département's communes (geography.population), the national row using the sum of the
three départements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from observatory.formats.delimited import csv_bytes
from observatory.formats.names import ARTICLES, poste_name
from observatory.formats.sante import (
    AMELI_AGES,
    AMELI_ALL_AGES,
    AMELI_HEADER,
    AMELI_UNKNOWN_AGE,
    CATEGORIES,
    DREES_BANDS,
    DREES_FIRST_YEAR,
    DREES_SEXES,
    GP_ALL,
    GP_HORS_MEP,
    MODES,
    PROFESSIONS,
    RPPS_HEADER,
    SAVOIR_FAIRE,
    SECTEURS,
    SECTIONS_PHARMACIENS,
    drees_sheets,
)
from observatory.formats.xlsx import to_bytes as xlsx_bytes
from observatory.sample.geography import (
    COMMUNES,
    DEPARTEMENTS,
    REGIONS,
    SAMPLE_MARK,
    geography,
    population,
)

_DEPARTEMENT = {d.code: d for d in DEPARTEMENTS}
_REGION = {r.code: r for r in REGIONS}
_COMMUNE = {c.code: c for c in COMMUNES}

RPPS_YEAR = 2026  # the COG the RPPS, La Poste and DREES 2026 sample files are written in


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders, ties to the first)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _population(departement: str, year: int) -> int:
    """Population used for the densities of `year`: PMUN of millésime year - 3."""
    return sum(population(c, year - 3)[0] for c in COMMUNES if c.departement == departement)


def _density(effectif: int, inhabitants: int) -> float:
    return round(effectif / inhabitants * 100_000, 1)


# --- ANS: ps-libreacces-personne-activite.txt -----------------------------------------------------

CEDEX_WITHOUT_COMMUNE = "01904"
"""The CEDEX code of the one site known only by it: La Poste does not list it (quarantine)."""
POSTCODE_ONLY = "01992"
"""The postcode of the one GP site without a commune code: it serves commune 01922 alone."""


@dataclass(frozen=True)
class Site:
    key: str
    raison_sociale: str
    secteur: str  # "" when unknown
    commune: str | None  # written in `Code commune`; None: left empty (postcode only)
    postcode: str
    voie: tuple[str, str, str, str]  # (numéro, code type, libellé type, libellé voie)
    bureau: str  # the town written after the postcode in `Bureau cedex`
    siret: str = ""
    finess: str = ""
    finess_ej: str = ""
    mention: str = ""
    pays: bool = False  # Code/Libellé pays filled (99000, France), as on some real rows


_VOIES = {"R": "Rue", "AV": "Avenue", "PL": "Place"}


def _site(key: str, name: str, secteur: str, where: str, address: str, **extra) -> Site:
    """`where` = "commune/postcode" ("-" for no commune code); `address` = "12 R DE LA PAIX".
    The `Bureau cedex` town is La Poste's name of the commune (or `bureau=` when given)."""
    commune, postcode = where.split("/")
    number, kind, street = address.split(" ", 2)
    bureau = extra.pop("bureau", None) or poste_name(_bureau_town(commune))
    return Site(
        key,
        name,
        secteur,
        None if commune == "-" else commune,
        postcode,
        (number, kind, _VOIES[kind], street),
        bureau,
        **extra,
    )


def _bureau_town(commune: str) -> str:
    found = _COMMUNE[commune]
    if found.parent:
        return geography(RPPS_YEAR).names[found.parent]
    return ARTICLES[found.tncc] + geography(RPPS_YEAR).names[commune]


# fmt: off
SITES = {site.key: site for site in (
    # Bourg-Fictif (01901)
    _site("B-GROUPE", "CABINET MEDICAL DU CENTRE", "SA08", "01901/01990", "12 R DE L EXEMPLE",
          siret="99990001200014"),
    _site("B-INDIV", "CABINET DU DR NOM FICTIF 4", "SA07", "01901/01999", "3 AV DU MODELE"),
    _site("B-CDS", "CENTRE DE SANTE MUNICIPAL DE BOURG FICTIF", "SA05", "01901/01990",
          "1 PL DE LA MAIRIE", siret="99990011100019", finess="019990011", finess_ej="019990003"),
    _site("B-HOPITAL", "CENTRE HOSPITALIER DE BOURG FICTIF", "SA01", "01901/01989",
          "900 AV DES ESSAIS", siret="99990012200016", finess="019990029", finess_ej="019990037",
          mention="CS 90010", bureau="BOURG FICTIF CEDEX"),
    _site("B-OPHTALMO", "CABINET D OPHTALMOLOGIE DU CENTRE", "SA07", "01901/01990",
          "14 R DE L EXEMPLE", siret="99990002300011"),
    _site("B-IDE-GROUPE", "CABINET INFIRMIER DES TILLEULS", "SA08", "01901/01990",
          "5 R DES TILLEULS"),
    _site("B-IDE-1", "CABINET INFIRMIER NOM FICTIF 11", "SA07", "01901/01999",
          "40 R DU PROTOTYPE"),
    _site("B-IDE-2", "CABINET INFIRMIER NOM FICTIF 12", "SA07", "01901/01990", "2 PL DU MARCHE"),
    _site("B-KINE", "CABINET DE KINESITHERAPIE DU CENTRE", "SA08", "01901/01990",
          "16 R DE L EXEMPLE", siret="99990003400019"),
    _site("B-DENTAIRE", "CABINET DENTAIRE NOM FICTIF 15", "SA07", "01901/01990", "8 R DES ESSAIS"),
    _site("B-SAGEFEMME", "CABINET DE SAGE FEMME NOM FICTIF 16", "SA07", "01901/01990",
          "21 R DU MODELE"),
    _site("B-PHARMACIE", "PHARMACIE DU CENTRE", "SA33", "01901/01990", "4 PL DE LA MAIRIE",
          siret="99990004500016", finess="019990045", finess_ej="019990045"),
    _site("B-OPTIQUE", "OPTIQUE DU CENTRE", "SA42", "01901/01990", "18 R DE L EXEMPLE",
          siret="99990005600013", pays=True),
    # Sorbière-en-Maquette (01910): the second site of GP 4
    _site("S-MSP", "MAISON DE SANTE DE SORBIERE", "SA08", "01910/01995", "2 R DE LA MAQUETTE",
          siret="99990006700010"),
    _site("S-IDE", "CABINET INFIRMIER DE SORBIERE", "SA08", "01910/01995", "4 R DE LA MAQUETTE"),
    # Saint-Brouillon (01922): no commune code, a postcode serving that commune only
    _site("P-SEUL", "CABINET MEDICAL DE SAINT BROUILLON", "SA07", f"-/{POSTCODE_ONLY}",
          "1 PL DE L EGLISE", bureau="ST BROUILLON"),
    # Mollard-d'Étude (01915): no commune code, only a CEDEX code (quarantine)
    _site("P-CEDEX", "CABINET INFIRMIER DU MOLLARD", "SA07", f"-/{CEDEX_WITHOUT_COMMUNE}",
          "7 R DU MOLLARD", mention="CS 70001", bureau="BOURG FICTIF CEDEX"),
    # the city: arrondissement codes, as the real file has for Paris, Lyon and Marseille
    _site("C1-MED", "CABINET MEDICAL DE LA PRESQU ILE", "SA07", "69981/69991", "10 R DE LA CITE"),
    _site("C2-MED", "CABINET MEDICAL DES QUAIS", "SA08", "69982/69992", "25 R DES QUAIS",
          siret="99990007800017"),
    _site("C3-MED", "CABINET DU DR NOM FICTIF 28", "SA07", "69983/69993", "31 AV DES ARCHIVES"),
    _site("C3-CARDIO", "CABINET DE CARDIOLOGIE DES ARCHIVES", "SA08", "69983/69993",
          "33 AV DES ARCHIVES", siret="99990008900014"),
    _site("C1-IDE", "CABINET INFIRMIER DE LA PRESQU ILE", "SA08", "69981/69991",
          "12 R DE LA CITE"),
    _site("C2-IDE", "CABINET INFIRMIER NOM FICTIF 33", "SA07", "69982/69992", "27 R DES QUAIS"),
    _site("C3-IDE", "CABINET INFIRMIER NOM FICTIF 32", "SA07", "69983/69993",
          "35 AV DES ARCHIVES"),
    _site("C2-AUDIO", "AUDITION DES QUAIS", "SA42", "69982/69992", "29 R DES QUAIS",
          siret="99990009000011"),
    _site("C3-ARMEES", "ANTENNE MEDICALE DES ARMEES DE CITE ECHANTILLON", "", "69983/69993",
          "50 AV DES ARCHIVES"),
    _site("M-MED", "CABINET MEDICAL DES MONTS", "SA07", "69902/69990", "3 R DES MONTS"),
    # Corsica: the only GP of 2A901; none in 2A902
    _site("K-MED", "CABINET MEDICAL DI U CASTELLU", "SA07", "2A901/20990", "6 R DI U CASTELLU"),
    _site("K-OPTIQUE", "OPTICA DI U CASTELLU", "SA42", "2A901/20990", "8 R DI U CASTELLU",
          siret="99990010100018"),
    _site("K-IDE", "CABINET INFIRMIER DI SANTA MARIA", "SA07", "2A902/20991", "1 PL DI A CHJESA"),
)}
# fmt: on


@dataclass(frozen=True)
class Person:
    number: int
    profession: str
    mode: str
    sites: tuple[str, ...]  # keys of SITES; empty: no activity address at all
    savoir_faire: tuple[str, ...] = ()
    categorie: str = "C"
    adeli: bool = False
    woman: bool = False
    section: str = ""  # pharmacists: section of the Ordre's table
    note: str = ""


# fmt: off
PEOPLE = (
    # Bourg-Fictif (01901)
    Person(1, "10", "L", ("B-GROUPE",), ("SM53",)),
    Person(2, "10", "L", ("B-GROUPE",), ("SM26",), woman=True),
    Person(3, "10", "L", ("B-GROUPE",), ("SM53", "CAPA08"), note="two savoir-faire, one site"),
    Person(4, "10", "L", ("B-INDIV", "S-MSP"), ("SM54",), woman=True, note="1/2 01901, 1/2 01910"),
    Person(5, "10", "S", ("B-CDS",), ("SM53",), woman=True, note="centre de santé, salarié"),
    Person(6, "10", "L", ("B-OPHTALMO",), ("SM38",)),
    Person(7, "10", "S", ("B-HOPITAL",), ("SM42",), woman=True, note="CEDEX and commune code"),
    Person(8, "60", "L", ("B-IDE-GROUPE",), woman=True),
    Person(9, "60", "L", ("B-IDE-GROUPE",)),
    Person(10, "60", "L", ("B-IDE-GROUPE",), woman=True),
    Person(11, "60", "L", ("B-IDE-1",), woman=True),
    Person(12, "60", "L", ("B-IDE-2",)),
    Person(13, "70", "L", ("B-KINE",)),
    Person(14, "70", "L", ("B-KINE",), woman=True),
    Person(15, "40", "L", ("B-DENTAIRE",)),
    Person(16, "50", "L", ("B-SAGEFEMME",), woman=True),
    Person(17, "21", "L", ("B-PHARMACIE",), section="A"),
    Person(18, "21", "S", ("B-PHARMACIE",), woman=True, section="D"),
    # Sorbière-en-Maquette (01910)
    Person(19, "10", "L", ("S-MSP",), ("SM53",)),
    Person(20, "60", "L", ("S-IDE",), woman=True),
    Person(21, "60", "L", ("S-IDE",), woman=True),
    # Saint-Brouillon (01922), placed by its postcode
    Person(22, "10", "L", ("P-SEUL",), ("SM26",), note="no commune code, postcode 01992"),
    # Mollard-d'Étude (01915), CEDEX only: quarantine
    Person(23, "60", "L", ("P-CEDEX",), woman=True, note="no commune code, CEDEX 01904"),
    # a GP registered without any activity address: quarantine
    Person(24, "10", "L", (), ("SM53",), note="no site at all"),
    # the city
    Person(25, "10", "L", ("C1-MED",), ("SM53",), woman=True),
    Person(26, "10", "L", ("C2-MED",), ("SM26",)),
    Person(27, "10", "L", ("C2-MED",), ("SM40",), woman=True),
    Person(28, "10", "L", ("C3-MED",), ("SM54",)),
    Person(29, "10", "L", ("C3-CARDIO",), ("SM04",)),
    Person(30, "60", "L", ("C1-IDE",), woman=True),
    Person(31, "60", "L", ("C1-IDE",)),
    Person(32, "60", "L", ("C3-IDE",), woman=True),
    Person(33, "60", "L", ("C2-IDE",), woman=True),
    Person(34, "10", "L", ("M-MED",), ("SM53",), woman=True),
    Person(35, "10", "S", ("C3-ARMEES",), ("SM54",), categorie="M", note="militaire"),
    # professions the observatory ignores
    Person(36, "26", "S", ("C2-AUDIO",), woman=True),
    Person(37, "28", "S", ("B-OPTIQUE",), adeli=True),
    Person(38, "28", "S", ("K-OPTIQUE",), woman=True),
    Person(39, "26", "S", (), adeli=True, note="no site"),
    # Corsica
    Person(40, "10", "L", ("K-MED",), ("SM53",), note="the only GP of 2A901 and around"),
    Person(41, "60", "L", ("K-IDE",), woman=True),
)
# fmt: on


def _identifiers(person: Person) -> tuple[str, str, str]:
    """(Type d'identifiant PP, Identifiant PP, Identification nationale PP)."""
    if person.adeli:
        adeli = f"01999{person.number:04d}"
        return "0", adeli, "0" + adeli
    rpps = f"1999{person.number:07d}"
    return "8", rpps, "8" + rpps


def _site_cells(site: Site | None, geo_names: dict[str, str]) -> list[str]:
    """Columns `Numéro SIRET site` ... `Libellé Département (structure)` of one site (27)."""
    if site is None:
        return [""] * 27
    if site.finess:
        technical = f"F{site.finess}"
    elif site.siret:
        technical = f"C{site.siret}"
    else:
        technical = f"C{site.postcode}9{list(SITES).index(site.key):05d}"
    libelle = ""
    if site.commune:
        commune = _COMMUNE[site.commune]
        libelle = (
            commune.name
            if commune.typecom == "ARM"
            else f"{ARTICLES[commune.tncc]}{geo_names[site.commune]}"
        )
    numero, code_voie, type_voie, voie = site.voie
    return [
        site.siret,
        "",
        site.finess,
        site.finess_ej,
        technical,
        site.raison_sociale,
        "",
        site.raison_sociale if site.siret and not site.finess else "",
        "",
        numero,
        "",
        code_voie,
        type_voie,
        voie,
        site.mention,
        f"{site.postcode} {site.bureau}",
        site.postcode,
        site.commune or "",
        libelle,
        "99000" if site.pays else "",
        "France" if site.pays else "",
        "",
        "",
        "",
        "",
        "",  # Code Département (structure): empty on every real row
        "",
    ]


def _rpps_rows() -> list[list[str]]:
    names = geography(RPPS_YEAR).names
    rows = []
    for person in PEOPLE:
        kind, identifier, national = _identifiers(person)
        label, authority, docteur = PROFESSIONS[person.profession]
        head = [
            kind,
            identifier,
            national,
            "DR" if docteur else "",
            "Docteur" if docteur else "",
            "MME" if person.woman else "M",
            "Madame" if person.woman else "Monsieur",
            f"NOM FICTIF {person.number}",
            f"Prénom {person.number}",
            person.profession,
            label,
            person.categorie,
            CATEGORIES[person.categorie],
        ]
        savoirs = [SAVOIR_FAIRE[c] + (c,) for c in person.savoir_faire] or [("", "", "", "")]
        sites = [SITES[key] for key in person.sites] or [None]
        for site in sites:
            for type_code, type_label, sf_label, sf_code in savoirs:
                secteur = site.secteur if site else ""
                old_id = ""
                if site and site.finess:
                    old_id = f"1{site.finess}"
                elif site and site.siret:
                    old_id = f"3{site.siret}"
                rows.append(
                    [
                        *head,
                        type_code,
                        type_label,
                        sf_code,
                        sf_label,
                        person.mode,
                        MODES[person.mode],
                        *_site_cells(site, names),
                        old_id,
                        authority,
                        secteur,
                        SECTEURS.get(secteur, ""),
                        person.section,
                        SECTIONS_PHARMACIENS.get(person.section, ""),
                        *("", "", "", ""),  # Code/Libellé rôle, Code/Libellé genre activité
                    ]
                )
    rows.sort(key=lambda r: (r[2], r[23], r[15]))
    return rows


def annuaire_sante(millesime: int) -> bytes:
    """`ps-libreacces-personne-activite.txt` (the file is a daily snapshot: one sample)."""
    del millesime
    rows = _rpps_rows()
    for row in rows:
        if len(row) != len(RPPS_HEADER):
            raise AssertionError(f"RPPS sample row of {len(row)} columns: {row}")
        if any("|" in cell or '"' in cell for cell in row):
            raise AssertionError(f"RPPS sample cell needs quoting: {row}")
    # the trailing `|` of every line is an empty last column, unnamed in the header too
    return csv_bytes([*RPPS_HEADER, ""], [[*r, ""] for r in rows], separator="|", bom=True)


# --- La Poste: 019HexaSmal.csv ------------------------------------------------------------------

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
    return csv_bytes(header, rows, separator=";", crlf=True)


# --- data.ameli: demographie-effectifs-et-les-densites.csv --------------------------------------

AMELI_YEARS = (2022, 2023, 2024)

# GPs (ensemble) per département and year, by the 11 age classes: hand-set so the shares aged
# 60 and over are known: 2024 -> 01: 4/11 (36 %), 69: 2/8 (25 %), 2A: 2/4 (50 %).
AMELI_GP = {
    "01": {
        2022: (0, 0, 1, 1, 1, 2, 1, 2, 2, 2, 1),
        2023: (0, 0, 1, 2, 1, 1, 2, 1, 2, 2, 1),
        2024: (0, 0, 1, 2, 1, 1, 1, 1, 2, 1, 1),
    },
    "69": {
        2022: (0, 1, 1, 2, 1, 1, 1, 0, 1, 1, 1),
        2023: (0, 1, 2, 1, 1, 1, 1, 0, 1, 1, 0),
        2024: (0, 1, 2, 1, 1, 1, 0, 0, 1, 1, 0),
    },
    "2A": {
        2022: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1),
        2023: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1),
        2024: (0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0),
    },
}
# One GP "à expertise particulière" (MEP) in the city, aged 45-49: hors MEP = ensemble - 1 there.
AMELI_MEP = {("69", 2023): 5, ("69", 2024): 5}

# Other professions: (label, vision flags, age weights, female share young -> old, totals per
# département for 2022, 2023, 2024 (âge inconnu included)).
_YOUNG = (1, 4, 6, 6, 5, 5, 4, 3, 2, 1, 0.5)
_MIDDLE = (0.2, 2, 4, 5, 5, 5, 5, 4, 3, 2, 1)
_OLD = (0, 0.5, 2, 3, 4, 4, 4, 4, 4, 3, 2)
AMELI_OTHERS = (
    (
        "Ensemble des médecins spécialistes (hors généralistes)",
        ("non", "non", "non"),
        _OLD,
        (0.6, 0.2),
        {"01": (4, 4, 3), "69": (6, 6, 7), "2A": (1, 1, 1)},
    ),
    (
        "Infirmiers",
        ("oui", "oui", "oui"),
        _YOUNG,
        (0.9, 0.8),
        {"01": (11, 12, 12), "69": (9, 10, 11), "2A": (3, 3, 3)},
    ),
    (
        "Masseurs-kinésithérapeutes",
        ("oui", "oui", "oui"),
        _YOUNG,
        (0.6, 0.3),
        {"01": (4, 4, 5), "69": (5, 5, 6), "2A": (1, 1, 1)},
    ),
    (
        "Ensemble des chirurgiens-dentistes",
        ("non", "non", "non"),
        _MIDDLE,
        (0.6, 0.25),
        {"01": (3, 3, 3), "69": (4, 4, 4), "2A": (1, 1, 1)},
    ),
    (
        "Sages-femmes",
        ("oui", "oui", "oui"),
        _MIDDLE,
        (1.0, 0.95),
        {"01": (2, 2, 2), "69": (2, 3, 3), "2A": (1, 1, 1)},
    ),
)
AMELI_GP_FEMALE = (0.7, 0.3)
AMELI_UNKNOWN_AGE_CELLS = {("Infirmiers", "69", 2024): 1}  # women of unknown age
AMELI_UNKNOWN_SEX_CELLS = {("Masseurs-kinésithérapeutes", "69", 2023)}  # 1, in the largest class


def _female_share(young: float, old: float, index: int, classes: int) -> float:
    return young + (old - young) * index / (classes - 1)


def _split_sexes(counts: Sequence[int], shares: tuple[float, float]) -> list[list[int]]:
    """Per class [hommes, femmes, sexe inconnu]."""
    split = []
    for index, n in enumerate(counts):
        women = min(n, round(n * _female_share(*shares, index, len(counts))))
        split.append([n - women, women, 0])
    return split


Cells = list[list[int]]  # 12 classes (11 + âge inconnu) x [hommes, femmes, sexe inconnu]


def _ameli_cells() -> dict[tuple[str, str, int], Cells]:
    """(profession, département, year) -> cells."""
    cells: dict[tuple[str, str, int], Cells] = {}
    for dep, years in AMELI_GP.items():
        for year, ages in years.items():
            gp = [*_split_sexes(ages, AMELI_GP_FEMALE), [0, 0, 0]]
            cells[GP_ALL, dep, year] = gp
            hors = [list(c) for c in gp]
            if (dep, year) in AMELI_MEP:
                row = hors[AMELI_MEP[dep, year]]
                row[0 if row[0] else 1] -= 1
            cells[GP_HORS_MEP, dep, year] = hors
    for label, _, weights, shares, totals in AMELI_OTHERS:
        for dep, per_year in totals.items():
            for year, total in zip(AMELI_YEARS, per_year, strict=True):
                unknown = AMELI_UNKNOWN_AGE_CELLS.get((label, dep, year), 0)
                split = _split_sexes(_apportion(total - unknown, weights), shares)
                split.append([0, unknown, 0])
                if (label, dep, year) in AMELI_UNKNOWN_SEX_CELLS:
                    largest = max(range(11), key=lambda i: (sum(split[i]), -i))
                    row = split[largest]
                    row[1 if row[1] else 0] -= 1
                    row[2] += 1
                cells[label, dep, year] = split
    return cells


def demographie_ameli(millesime: int) -> bytes:
    """Every year up to `millesime` (the export holds the whole series; the sample: 3 years)."""
    cells = _ameli_cells()
    visions = {GP_ALL: ("non", "non", "non"), GP_HORS_MEP: ("oui", "oui", "oui")}
    visions |= {label: flags for label, flags, *_ in AMELI_OTHERS}
    professions = [GP_ALL, GP_HORS_MEP, *(o[0] for o in AMELI_OTHERS)]
    departements = [d.code for d in DEPARTEMENTS]
    ages = [*AMELI_AGES, AMELI_UNKNOWN_AGE]
    sexes = ("hommes", "femmes", "sexe inconnu")
    rows = []
    for year in (y for y in AMELI_YEARS if y <= millesime):
        inhabitants = {d: _population(d, year) for d in departements}
        inhabitants["999"] = sum(inhabitants.values())
        for profession in professions:
            territories = {d: cells[profession, d, year] for d in departements}
            territories["999"] = [
                [sum(territories[d][a][s] for d in departements) for s in range(3)]
                for a in range(len(ages))
            ]
            for territory, grid in territories.items():
                if territory == "999":
                    place = ["99", "France", "999", "Tout département"]
                else:
                    dep = _DEPARTEMENT[territory]
                    place = [dep.region, _REGION[dep.region].name, dep.code, dep.name]
                total = [sum(grid[a][s] for a in range(len(ages))) for s in range(3)]
                for (code, label), counts in [
                    *zip(ages, grid, strict=True),
                    (AMELI_ALL_AGES, total),
                ]:
                    for sex, effectif in [
                        *zip(sexes, counts, strict=True),
                        ("tout sexe", sum(counts)),
                    ]:
                        rows.append(
                            [
                                year,
                                profession,
                                *place,
                                code,
                                label,
                                sex,
                                effectif,
                                f"{_density(effectif, inhabitants[territory]):.1f}",
                                *visions[profession],
                            ]
                        )
    return csv_bytes(AMELI_HEADER, rows, separator=";")


# --- DREES: Medecins_RPPS_2012-2026.xlsx --------------------------------------------------------

DREES_DEPARTEMENTS = {  # the real files write some codes with a space before the dash
    "01": "001-Ain-" + SAMPLE_MARK,
    "69": "069-Rhône-" + SAMPLE_MARK,
    "2A": "02A -Corse-du-Sud-" + SAMPLE_MARK,
}
DREES_REGIONS = {"84": f"84-Auvergne Rhône-Alpes-{SAMPLE_MARK}", "94": f"94-Corse-{SAMPLE_MARK}"}
GP_LABEL = "01-Médecine générale"
OPHTALMO_LABEL = "03-Ophtalmologie"

# GPs of the last year by band: 60 and over -> 01: 5/12 (42 %), 69: 2/10 (20 %), 2A: 2/4 (50 %).
DREES_GP_LAST = {
    "01": (0, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1),
    "69": (1, 1, 2, 1, 1, 1, 1, 1, 1, 0, 0),
    "2A": (0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0),
}
# (first-year total, last-year total, age weights) of each group; "autres" completes 00-Ensemble.
DREES_GROUPS = {
    GP_LABEL: {"01": (15, 12), "69": (11, 10), "2A": (5, 4)},
    OPHTALMO_LABEL: {"01": (2, 2), "69": (3, 4), "2A": (1, 1)},
    "autres": {"01": (7, 9), "69": (22, 27), "2A": (2, 3)},
}
DREES_WEIGHTS = {
    OPHTALMO_LABEL: (0.2, 1, 2, 2, 2, 2, 2, 2, 1.5, 1, 0.5),
    "autres": (1, 3, 4, 4, 3, 3, 3, 3, 2, 1, 0.5),
}
DREES_FEMALE = {GP_LABEL: (0.7, 0.15), OPHTALMO_LABEL: (0.6, 0.2), "autres": (0.65, 0.2)}
DREES_ND_YEARS = (2012,)
"""Ophthalmology in Corsica in those years: every age-band cell is `ND` (secret statistique);
its totals over all ages stay published, and so do the national rows (which include them)."""


def _drees_counts(group: str, dep: str, year: int, last_year: int) -> list[tuple[int, int]]:
    """(hommes, femmes) per band."""
    first, last = DREES_GROUPS[group][dep]
    span = last_year - DREES_FIRST_YEAR
    total = round(first + (last - first) * (year - DREES_FIRST_YEAR) / span)
    if group == GP_LABEL:
        bands = DREES_GP_LAST[dep]
        counts = list(bands) if year == last_year else _apportion(total, [b + 0.3 for b in bands])
    else:
        counts = _apportion(total, DREES_WEIGHTS[group])
    return [(h, f) for h, f, _ in _split_sexes(counts, DREES_FEMALE[group])]


def _drees_table(last_year: int) -> list[tuple[list[str], dict[int, int], bool]]:
    """(label columns, effectif per year, masked in old years) of every row of `Effectifs`."""
    years = range(DREES_FIRST_YEAR, last_year + 1)
    departements = list(DREES_DEPARTEMENTS)
    values: dict[tuple[str, str, int], list[tuple[int, int]]] = {}
    for dep in departements:
        for year in years:
            parts = {g: _drees_counts(g, dep, year, last_year) for g in DREES_GROUPS}
            for group, counts in parts.items():
                values[group, dep, year] = counts
            values["00-Ensemble", dep, year] = [
                (sum(parts[g][b][0] for g in parts), sum(parts[g][b][1] for g in parts))
                for b in range(len(DREES_BANDS))
            ]
    for group in ("00-Ensemble", GP_LABEL, OPHTALMO_LABEL):
        for year in years:
            values[group, "000", year] = [
                (
                    sum(values[group, d, year][b][0] for d in departements),
                    sum(values[group, d, year][b][1] for d in departements),
                )
                for b in range(len(DREES_BANDS))
            ]
    rows = []
    for dep in ("000", *sorted(departements, key=lambda d: DREES_DEPARTEMENTS[d])):
        if dep == "000":
            place = ["0-France entière", "00-Ensemble", "000-Ensemble"]
        else:
            region = _DEPARTEMENT[dep].region
            place = ["1-France métropolitaine", DREES_REGIONS[region], DREES_DEPARTEMENTS[dep]]
        for group in ("00-Ensemble", GP_LABEL, OPHTALMO_LABEL):
            for band in ("00-Ensemble", *DREES_BANDS):
                for sex in DREES_SEXES:
                    per_year = {}
                    for year in years:
                        counts = values[group, dep, year]
                        chosen = (
                            counts if band == "00-Ensemble" else [counts[DREES_BANDS.index(band)]]
                        )
                        men = sum(c[0] for c in chosen)
                        women = sum(c[1] for c in chosen)
                        per_year[year] = {"0": men + women, "1": men, "2": women}[sex[0]]
                    masked = dep == "2A" and group == OPHTALMO_LABEL and band != "00-Ensemble"
                    labels = [*place, group, "00-Ensemble", "0-Ensemble", band, sex]
                    rows.append((labels, per_year, masked))
    return rows


def demographie_drees(millesime: int) -> bytes:
    """The médecins workbook of edition `millesime` (years 2012 to `millesime`)."""
    years = list(range(DREES_FIRST_YEAR, millesime + 1))
    table = _drees_table(millesime)
    inhabitants = {d: {y: _population(d, y) for y in years} for d in DREES_DEPARTEMENTS}
    inhabitants["000"] = {y: sum(inhabitants[d][y] for d in DREES_DEPARTEMENTS) for y in years}
    code_of = {label: dep for dep, label in DREES_DEPARTEMENTS.items()} | {"000-Ensemble": "000"}

    tables: dict[bool, list[list[object]]] = {False: [], True: []}
    for density, rows in tables.items():
        for labels, per_year, masked in table:
            dep = code_of[labels[2]]
            cells: list[object] = []
            for year in years:
                if masked and year in DREES_ND_YEARS:
                    cells.append("ND")
                elif density:
                    cells.append(_density(per_year[year], inhabitants[dep][year]))
                else:
                    cells.append(per_year[year])
            rows.append([*labels, *cells])
    sheets = drees_sheets(
        millesime,
        tables[False],
        tables[True],
        mark="Échantillon synthétique",
        invented_for="les tests",
    )
    return xlsx_bytes(sheets)
