"""Health files: the Annuaire santé extraction, data.ameli's demography, DREES's workbook.

Their headers and code lists (formats.md §4-§5, data_sources.md §5): the 56 columns of
`ps-libreacces-personne-activite.txt`, the profession, secteur, savoir-faire and section codes
with their labels, ameli's 14 columns and age classes, DREES's label columns, age bands and
sexes, and the sheets of `Medecins_RPPS_2012-YYYY.xlsx`. The pipeline maps these labels to
codes, so both generators take them from here.
"""

from __future__ import annotations

from collections.abc import Sequence

from observatory.formats.delimited import Cell
from observatory.formats.xlsx import Sheet

RPPS_HEADER = (
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
    "Code rôle",
    "Libellé rôle",
    "Code genre activité",
    "Libellé genre activité",
)

PROFESSIONS = {
    "10": ("Médecin", "CNOM/CNOM/ARS", True),  # (label, authority, civilité "Docteur")
    "21": ("Pharmacien", "CNOP/CNOP/ARS", False),
    "26": ("Audioprothésiste", "ARS/Variable/Variable", False),
    "28": ("Opticien-Lunetier", "ARS/Variable/Variable", False),
    "40": ("Chirurgien-dentiste", "CNOCD/CNOCD/ARS", True),
    "50": ("Sage-femme", "CNOSF/CNOSF/ARS", False),
    "60": ("Infirmier", "ONI/ONI/ARS", False),
    "70": ("Masseur-kinésithérapeute", "CNOMK/CNOMK/ARS", False),
}
CATEGORIES = {"C": "Civil", "M": "Militaire"}
MODES = {"L": "Libéral", "S": "Salarié"}
SECTEURS = {
    "SA01": "Etablissement Public de santé",
    "SA05": "Centre de santé",
    "SA07": "Cabinet individuel",
    "SA08": "Cabinet de groupe",
    "SA33": "Pharmacie d'officine",
    "SA42": "Appareillage médical",
}
SAVOIR_FAIRE = {  # code -> (type code, type label, label)
    "SM26": ("S", "Spécialité ordinale", "Qualifié en Médecine Générale"),
    "SM53": ("S", "Spécialité ordinale", "Spécialiste en Médecine Générale"),
    "SM54": ("S", "Spécialité ordinale", "Médecine Générale"),
    "SM04": ("S", "Spécialité ordinale", "Cardiologie et maladies vasculaires"),
    "SM38": ("S", "Spécialité ordinale", "Ophtalmologie"),
    "SM40": ("S", "Spécialité ordinale", "Pédiatrie"),
    "SM42": ("S", "Spécialité ordinale", "Psychiatrie"),
    "CAPA08": ("CAPA", "Capacité", "Gérontologie"),
}
SECTIONS_PHARMACIENS = {
    "A": "Pharmacien titulaire d'officine",
    "D": "Pharmacien adjoint, remplaçant ou gérant",
}


# --- data.ameli: demographie-effectifs-et-les-densites.csv --------------------------------------

AMELI_HEADER = (
    "annee",
    "profession_sante",
    "region",
    "libelle_region",
    "departement",
    "libelle_departement",
    "classe_age",
    "libelle_classe_age",
    "libelle_sexe",
    "effectif",
    "densite",
    "vision_generale_all",
    "vision_generale_prescriptions",
    "vision_profession_territoire",
)
AMELI_AGES = (  # (classe_age, libelle_classe_age); only `tout_age` is a verified code
    ("moins_25", "moins de 25 ans"),
    ("25_29", "de 25 à 29 ans"),
    ("30_34", "de 30 à 34 ans"),
    ("35_39", "de 35 à 39 ans"),
    ("40_44", "de 40 à 44 ans"),
    ("45_49", "de 45 à 49 ans"),
    ("50_54", "de 50 à 54 ans"),
    ("55_59", "de 55 à 59 ans"),
    ("60_64", "de 60 à 64 ans"),
    ("65_69", "de 65 à 69 ans"),
    ("70_plus", "70 ans et plus"),
)
AMELI_UNKNOWN_AGE = ("inconnu", "âge inconnu")
AMELI_ALL_AGES = ("tout_age", "Tout âge")
GP_ALL = "Ensemble des médecins généralistes"
GP_HORS_MEP = "Médecins généralistes (hors médecins à expertise particulière - MEP)"


# --- DREES: Medecins_RPPS_2012-YYYY.xlsx --------------------------------------------------------

DREES_FIRST_YEAR = 2012
"""The first year of every edition of the workbook."""
DREES_BANDS = (
    "01-moins de 30 ans",
    "02-entre 30 et 34 ans",
    "03-entre 35 et 39 ans",
    "04-entre 40 et 44 ans",
    "05-entre 45 et 49 ans",
    "06-entre 50 et 54 ans",
    "07-entre 55 et 59 ans",
    "08-entre 60 et 64 ans",
    "09-entre 65 et 69 ans",
    "10-entre 70 et 74 ans",
    "11- 75 ans et plus",
)
DREES_SEXES = ("0-Ensemble", "1-Hommes", "2-Femmes")
DREES_COLUMNS = (
    "territoire",
    "region",
    "departement",
    "specialites_agregees",
    "specialites",
    "exercice",
    "tranche_age",
    "sexe",
)
"""The label columns of `Effectifs` and `Densités`, before one column per year."""


def drees_sheets(
    millesime: int,
    effectifs: Sequence[Sequence[Cell]],
    densites: Sequence[Sequence[Cell]],
    *,
    mark: str,
    invented_for: str,
) -> list[Sheet]:
    """`Lisez-moi`, `Effectifs` and `Densités` of edition `millesime` (years DREES_FIRST_YEAR
    to `millesime`), two title lines above each table's header. `mark` names the invented
    data ("Échantillon synthétique"), `invented_for` says what for ("les tests")."""
    readme = [
        [f"La démographie des médecins (RPPS) de {DREES_FIRST_YEAR} à {millesime}"],
        [
            f"Source : DREES, RPPS ; traitements DREES. {mark} : territoires et effectifs "
            f"inventés pour {invented_for}."
        ],
        [
            "Champ : médecins actifs au 1er janvier de chaque année, France entière, tous modes "
            "d'exercice (libéral et salarié)."
        ],
        ["Effectifs : nombre de médecins ; Densités : nombre de médecins pour 100 000 habitants."],
        ["ND : donnée non diffusée (secret statistique)."],
    ]
    sheets = [Sheet("Lisez-moi", readme)]
    years = range(DREES_FIRST_YEAR, millesime + 1)
    for title, prefix, rows in (
        ("Effectifs", "effectif", effectifs),
        ("Densités", "densite", densites),
    ):
        what = (
            "Densité de médecins pour 100 000 habitants"
            if prefix == "densite"
            else "Effectifs de médecins"
        )
        sheets.append(
            Sheet(
                title,
                [
                    [
                        f"{what} par territoire, spécialité, mode d'exercice, tranche d'âge et "
                        f"sexe, {DREES_FIRST_YEAR}-{millesime}"
                    ],
                    [f"Source : DREES, RPPS. {mark}."],
                    [*DREES_COLUMNS, *(f"{prefix}_{y}" for y in years)],
                    *rows,
                ],
            )
        )
    return sheets
