"""Sample copy of the ANS Annuaire santé extraction (RPPS): the people and their sites.

Layout follows ../shared/reference/data_sources.md §5.1: ANS `ps-libreacces-personne-activite.txt`,
the current 56-column header, `|`-separated, no quoting, UTF-8 with a BOM, LF, a trailing `|` on
every line (an empty, unnamed last column); one row per activity (person x site x savoir-faire);
`Code Département (structure)` empty on every row, as in the real file.

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
`SA33`, the registration authorities. `Code rôle` and `Code genre activité` are left empty
(their values are not documented here).

Site postcodes are those of the La Poste sample (observatory.sample.laposte), except the CEDEX
codes, which La Poste does not list.
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory.formats.delimited import csv_bytes
from observatory.formats.names import ARTICLES, poste_name
from observatory.formats.sante import (
    CATEGORIES,
    MODES,
    PROFESSIONS,
    RPPS_HEADER,
    SAVOIR_FAIRE,
    SECTEURS,
    SECTIONS_PHARMACIENS,
)
from observatory.sample.geography import COMMUNES, geography

_COMMUNE = {c.code: c for c in COMMUNES}

RPPS_YEAR = 2026  # the COG the RPPS, La Poste and DREES 2026 sample files are written in


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
