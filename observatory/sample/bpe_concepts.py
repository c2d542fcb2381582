"""The facility kinds of the BPE sample: one concept, its TYPEQU in each edition.

A concept ("médecin généraliste", "boulangerie"...) maps to the TYPEQU of each edition (D201 in
2021 and 2023, D265 in 2024 and 2025), so that one facility plan (observatory.sample.bpe_plan)
serves every edition. The codes come from the seeds `dbt_like_sql/seeds/bpe_typequ.csv` and
`bpe_typequ_passage.csv`, read at generation time (SEEDS); the gamme groupings are the seed's 26
proximité regroupements plus the sample's own intermédiaire, supérieure and hors-gamme types,
each its own regroupement.
"""

from __future__ import annotations

from dataclasses import dataclass

from observatory.formats.bpe_seeds import BpeSeeds, bpe_seeds
from observatory.settings import default_sql_dir

SEEDS_DIR = default_sql_dir() / "seeds"
EDITIONS = (2021, 2023, 2024, 2025)


class BpeSampleError(ValueError):
    """The facility plan uses a code the seeds do not support for its edition."""


# --- the seeds ------------------------------------------------------------------------------------

SEEDS: BpeSeeds = bpe_seeds(SEEDS_DIR)


# --- the concepts: one facility kind, its TYPEQU in each edition --------------------------------


@dataclass(frozen=True)
class Concept:
    key: str
    codes: tuple[str | None, str | None, str | None, str | None]  # 2021, 2023, 2024, 2025
    name: str  # NOMRS
    naf: str = "_Z"  # APET when the facility has a SIRET

    def code(self, millesime: int) -> str | None:
        return self.codes[EDITIONS.index(millesime)]


def _same(code: str, name: str, naf: str = "_Z") -> tuple[str, str, str, str, str, str]:
    return (code, code, code, code, name, naf)


_CONCEPT_ROWS: dict[str, tuple[str | None, ...]] = {
    # gamme de proximité 2025 (26 regroupements)
    "boulangerie": ("B203", "B207", "B207", "B207", "BOULANGERIE PATISSERIE DU CENTRE", "1071C"),
    "superette": _same("B201", "SUPERETTE DE LA PLACE", "4711C"),
    "epicerie": _same("B202", "EPICERIE DU VILLAGE", "4711B"),
    "ecole_maternelle": ("C101", "C107", "C107", "C107", "ECOLE MATERNELLE PUBLIQUE", "_Z"),
    "ecole_elementaire": ("C104", "C109", "C109", "C109", "ECOLE ELEMENTAIRE PUBLIQUE", "_Z"),
    "ecole_primaire": ("C104", "C108", "C108", "C108", "ECOLE PRIMAIRE PUBLIQUE", "_Z"),
    "medecin": ("D201", "D201", "D265", "D265", "CABINET MEDICAL DU CENTRE", "_Z"),
    "pharmacie": _same("D307", "PHARMACIE DE LA PLACE", "4773Z"),
    "infirmier": ("D232", "D244", "D281", "D281", "CABINET INFIRMIER", "_Z"),
    "kine": ("D233", "D233", "D279", "D279", "CABINET DE KINESITHERAPIE", "_Z"),
    "coiffure": _same("A501", "SALON DE COIFFURE", "9602A"),
    "restaurant": _same("A504", "CAFE RESTAURANT DU COMMERCE", "5610A"),
    "bureau_poste": _same("A206", "BUREAU DE POSTE", "5310Z"),
    "relais_poste": _same("A207", "RELAIS POSTE", "4726Z"),
    "agence_postale": _same("A208", "AGENCE POSTALE COMMUNALE", "_Z"),
    "bibliotheque": _same("F307", "BIBLIOTHEQUE MUNICIPALE", "_Z"),
    "tennis": _same("F103", "COURTS DE TENNIS MUNICIPAUX", "_Z"),
    "boulodrome": _same("F102", "BOULODROME", "_Z"),
    "grands_jeux": _same("F113", "STADE MUNICIPAL", "_Z"),
    "plateau": _same("F111", "PLATEAU MULTISPORTS", "_Z"),
    "gymnase": _same("F121", "GYMNASE MUNICIPAL", "_Z"),
    "immobilier": _same("A505", "AGENCE IMMOBILIERE DE LA GARE", "6831Z"),
    "beaute": _same("A507", "INSTITUT DE BEAUTE", "9602B"),
    "recharge": (None, None, "B326", "B326", "BORNES DE RECHARGE DU PARKING", "_Z"),
    "taxi": _same("E101", "TAXI DU CANTON", "4932Z"),
    "alsh": (None, "D505", "D505", "D505", "ACCUEIL DE LOISIRS", "_Z"),
    "macon": _same("A401", "MACONNERIE GENERALE", "4399C"),
    "platrier": _same("A402", "PLATRERIE PEINTURE DECORATION", "4334Z"),
    "menuisier": _same("A403", "MENUISERIE CHARPENTE", "4332A"),
    "plombier": _same("A404", "PLOMBERIE CHAUFFAGE", "4322A"),
    "electricien": _same("A405", "ELECTRICITE GENERALE", "4321A"),
    "garage": _same("A301", "GARAGE DE LA ROUTE", "4520A"),
    # gamme intermédiaire (invented composition)
    "supermarche": ("B102", "B105", "B105", "B105", "SUPERMARCHE", "4711D"),
    "college": _same("C201", "COLLEGE PUBLIC", "_Z"),
    "dentiste": ("D221", "D221", "D277", "D277", "CABINET DENTAIRE", "_Z"),
    "podologue": ("D237", "D237", "D280", "D280", "CABINET DE PODOLOGIE", "_Z"),
    "laboratoire": _same("D302", "LABORATOIRE D ANALYSES MEDICALES", "8690B"),
    "ehpad": _same("D401", "EHPAD LES TILLEULS", "8710A"),
    "banque": _same("A203", "BANQUE", "6419Z"),
    "gendarmerie": _same("A104", "BRIGADE DE GENDARMERIE", "_Z"),
    "police": ("A101", "A101", "A101", "A140", "COMMISSARIAT DE POLICE", "_Z"),
    "france_services": _same("A128", "FRANCE SERVICES", "_Z"),
    "creche": _same("D502", "MULTI-ACCUEIL PETITE ENFANCE", "_Z"),
    "piscine": _same("F101", "PISCINE MUNICIPALE", "_Z"),
    # gamme supérieure (invented composition)
    "lycee": _same("C301", "LYCEE GENERAL ET TECHNOLOGIQUE", "_Z"),
    "urgences": _same("D106", "CENTRE HOSPITALIER", "_Z"),
    "maternite": _same("D107", "CENTRE HOSPITALIER", "_Z"),
    "ophtalmologue": ("D208", "D208", "D270", "D270", "CABINET D OPHTALMOLOGIE", "_Z"),
    "cardiologue": ("D202", "D202", "D266", "D266", "CABINET DE CARDIOLOGIE", "_Z"),
    "psychiatre": ("D207", "D207", "D269", "D269", "CABINET DE PSYCHIATRIE", "_Z"),
    "cinema": _same("F303", "CINEMA LE PALACE", "5914Z"),
    # hors gamme
    "mairie": _same("A129", "MAIRIE", "_Z"),
    "msp": _same("D113", "MAISON DE SANTE PLURIPROFESSIONNELLE", "_Z"),
}

CONCEPTS: dict[str, Concept] = {
    key: Concept(key, tuple(row[:4]), str(row[4]), str(row[5]))  # type: ignore[arg-type]
    for key, row in _CONCEPT_ROWS.items()
}

INTERMEDIAIRE = (
    "supermarche",
    "college",
    "dentiste",
    "podologue",
    "laboratoire",
    "ehpad",
    "banque",
    "gendarmerie",
    "police",
    "france_services",
    "creche",
    "piscine",
)
SUPERIEURE = (
    "lycee",
    "urgences",
    "maternite",
    "ophtalmologue",
    "cardiologue",
    "psychiatre",
    "cinema",
)
HORS_GAMME = ("mairie", "msp")
REGROUPEMENT_LABELS = {
    "supermarche": "supermarché",
    "college": "collège",
    "dentiste": "chirurgien-dentiste",
    "podologue": "pédicure-podologue",
    "laboratoire": "laboratoire d'analyses et de biologie médicale",
    "ehpad": "hébergement de personnes âgées",
    "banque": "banque, caisse d'épargne",
    "gendarmerie": "gendarmerie",
    "police": "police",
    "france_services": "France services",
    "creche": "établissement d'accueil du jeune enfant",
    "piscine": "bassin de natation",
    "lycee": "lycée",
    "urgences": "urgences",
    "maternite": "maternité",
    "ophtalmologue": "ophtalmologue",
    "cardiologue": "cardiologue",
    "psychiatre": "psychiatre",
    "cinema": "cinéma",
    "mairie": "mairie",
    "msp": "maison de santé pluriprofessionnelle",
}
"""Regroupement labels of the sample's own intermédiaire, supérieure and hors-gamme types (each
type is its own regroupement), in the lower case of the seed's proximité labels."""
