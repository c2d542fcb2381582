"""Health workforce of the synthetic France and the files describing it: Annuaire santé
extraction, data.ameli demography, DREES physicians workbook, La Poste postcodes.

One plan (`HealthPlan`) is drawn first: people of each profession, their mode of practice and
their activity sites, placed in communes in proportion to population^beta (specialists and
salaried staff concentrated in towns). Every file is read off it, so the sources agree as real
ones roughly do: the BPE counts one general practitioner per libéral GP x site of this plan,
ameli's département headcounts of the last year are the plan's libéraux, DREES's its physicians.

Layouts are the bundled sample's (observatory/sample/annuaire.py, laposte.py and sante.py,
after data_sources.md §5 and formats.md §4-§5), with the headers, labels and code lists of
observatory.formats.sante:

* `ps-libreacces-personne-activite.txt`: the 56-column header, `|`, no quoting, UTF-8 with a BOM,
  LF, a trailing `|` (empty unnamed last column); one row per person x site x savoir-faire; ~4 %
  of people without any site, ~5 % of activities with a postcode but no commune code, hospitals
  with a CEDEX postcode (and their commune code), a few CEDEX-only rows; identifiers in ranges
  no real register uses (RPPS `19...`, ADELI `9...`); names `NOM FICTIF n`.
* `demographie-effectifs-et-les-densites.csv`: `;`, 13 age classes x 4 sexes per year x
  profession x département, plus France (`999`) as the sum of départements.
* `Medecins_RPPS_2012-2026.xlsx`: `Lisez-moi`, `Effectifs`, `Densités`; two title lines above the
  header; one column per year; `ND` where a specialty group of a département is under 5.
* `019HexaSmal.csv`: `;`, CRLF, arrondissements instead of the three cities, absorbed communes
  under their new commune with their old name in `Ligne_5`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.synthetic.files import copy_lines
from bench.synthetic.geography import BASE_MILLESIME, Geography, rng_for
from bench.synthetic.reference import REGIONS
from bench.synthetic.world import World
from observatory.formats import sante as official
from observatory.formats import xlsx
from observatory.formats.delimited import csv_bytes
from observatory.formats.names import libelle, poste_name

RPPS_YEAR = 2026
"""The COG the Annuaire santé, La Poste and DREES 2026 files are written in."""


@dataclass(frozen=True)
class Profession:
    key: str  # gp, specialist, or the profession code
    code: str
    label: str
    authority: str
    docteur: bool
    people: int  # at scale 1
    liberal: float  # share of libéraux
    beta: float  # concentration in larger communes
    adeli: bool = False
    female: float = 0.5


_EXTRA = {  # professions the sample does not list (data_sources.md §5.1, TRE_G15)
    "69": "Infirmier psychiatrique",
    "71": "Ostéopathe",
    "72": "Psychothérapeute",
    "80": "Pédicure-Podologue",
    "91": "Orthophoniste",
    "92": "Orthoptiste",
    "94": "Ergothérapeute",
    "95": "Diététicien",
    "96": "Psychomotricien",
    "98": "Manipulateur ERM",
}


def _profession(
    key: str, code: str, people: int, liberal: float, beta: float, **kw: object
) -> Profession:
    if code in official.PROFESSIONS:
        label, authority, docteur = official.PROFESSIONS[code]
    else:
        label, authority, docteur = _EXTRA[code], "ARS/ARS/ARS", False
    return Profession(key, code, label, authority, docteur, people, liberal, beta, **kw)


PARAMEDICAL = 1.3
"""Calibration of the non-physician professions so the extraction has the real file's ~2.28
million rows at scale 1 (it lists more registered people than the active workforce)."""
PLAN = (
    _profession("gp", "10", 100_000, 0.62, 1.0, female=0.52),
    _profession("specialist", "10", 135_000, 0.40, 1.35, female=0.48),
    *(
        _profession(key, key, round(people * PARAMEDICAL), liberal, beta, **extra)
        for key, people, liberal, beta, extra in (
            ("21", 75_000, 0.37, 1.05, {"female": 0.68}),
            ("40", 45_000, 0.90, 1.1, {"female": 0.48}),
            ("50", 25_000, 0.35, 1.2, {"female": 0.97}),
            ("60", 900_000, 0.18, 1.05, {"female": 0.87}),
            ("69", 3_000, 0.0, 1.3, {"female": 0.7}),
            ("70", 110_000, 0.85, 1.05, {"female": 0.5}),
            ("26", 6_000, 0.3, 1.2, {"female": 0.5}),
            ("28", 42_000, 0.1, 1.1, {"adeli": True, "female": 0.55}),
            ("80", 16_000, 0.95, 1.05, {"adeli": True, "female": 0.7}),
            ("91", 27_000, 0.8, 1.05, {"adeli": True, "female": 0.97}),
            ("92", 6_000, 0.5, 1.2, {"adeli": True, "female": 0.9}),
            ("94", 16_000, 0.15, 1.2, {"adeli": True, "female": 0.88}),
            ("95", 14_000, 0.45, 1.1, {"adeli": True, "female": 0.9}),
            ("96", 16_000, 0.3, 1.1, {"adeli": True, "female": 0.88}),
            ("98", 42_000, 0.0, 1.4, {"adeli": True, "female": 0.7}),
            ("71", 36_000, 1.0, 1.1, {"adeli": True, "female": 0.5}),
            ("72", 10_000, 1.0, 1.2, {"adeli": True, "female": 0.7}),
        )
    ),
)
GP_CODES = ("SM53", "SM26", "SM54")
GP_CODE_SHARES = (0.6, 0.25, 0.15)
SPECIALTY_CODES = ("SM04", "SM38", "SM40", "SM42")
SITES = (0, 1, 2)
SITE_SHARES = (0.04, 0.82, 0.14)
GP_SITE_SHARES = (0.01, 0.80, 0.19)
"""People without any site, with one, with two. Never three: `marts.sante__densite` rounds each
commune's share of a person to 3 decimals, so a person split over three communes (1/3 each)
makes `sante_totaux` fail by 0.001 per person (a pipeline issue the real file would trigger; the
generator avoids it until it is fixed)."""
NO_COMMUNE_CODE = 0.05
"""Share of activities written with a postcode but no commune code (placed by La Poste when the
postcode serves one commune)."""


@dataclass
class HealthPlan:
    """People (one row each) and activities (one row per person x site x savoir-faire)."""

    people: pd.DataFrame  # pid, profession, liberal, female, military
    activities: pd.DataFrame  # pid, place (-1: none), site, savoir, commune_code, cedex, secteur


def _place_weights(geo: Geography, beta: float) -> np.ndarray:
    pop = geo.place_pmun(2021).astype(float)
    # Mayotte has no populations de référence: its places get its département's estimate
    for index, dep in enumerate(geo.departements):
        members = geo.place_dep == index
        if pop[members].sum() == 0 and members.any():
            pop[members] = dep.population / members.sum()
    pop[geo.is_city[geo.place_commune] & ~geo.place_is_arm] = 0
    return pop**beta


def _within_departement(
    geo: Geography, weights: np.ndarray, deps: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One place per entry of `deps`, drawn in that département in proportion to `weights`."""
    order = np.lexsort((np.arange(geo.n_places), geo.place_dep))
    dep_sorted = geo.place_dep[order]
    w = weights[order]
    totals = np.bincount(dep_sorted, w, minlength=len(geo.departements))
    cumulative = np.cumsum(w) - np.repeat(np.cumsum(totals) - totals, np.bincount(dep_sorted))
    scaled = dep_sorted + cumulative / np.where(totals[dep_sorted] > 0, totals[dep_sorted], 1)
    picked = np.searchsorted(scaled, deps + rng.random(len(deps)) * 0.999999, side="right")
    return order[np.clip(picked, 0, len(order) - 1)]


def draw_health(geo: Geography) -> HealthPlan:
    rng = rng_for(geo.seed, "health")
    people, activities = [], []
    next_pid = 0
    for number, profession in enumerate(PLAN):
        count = max(1, round(profession.people * geo.scale))
        pids = next_pid + np.arange(count)
        next_pid += count
        liberal = rng.random(count) < profession.liberal
        female = rng.random(count) < profession.female
        military = (profession.code == "10") & (rng.random(count) < 0.005)
        shares = GP_SITE_SHARES if profession.key == "gp" else SITE_SHARES
        sites = rng.choice(SITES, count, p=shares)
        # salaried staff work where hospitals are: more concentrated than libéraux
        weights = _place_weights(geo, profession.beta)
        salaried = _place_weights(geo, profession.beta + 0.25)
        first = np.where(
            liberal,
            rng.choice(geo.n_places, count, p=weights / weights.sum()),
            rng.choice(geo.n_places, count, p=salaried / salaried.sum()),
        )
        people.append(
            pd.DataFrame(
                {
                    "pid": pids,
                    "profession": number,
                    "liberal": liberal,
                    "female": female,
                    "military": military,
                    "dep": geo.place_dep[first],
                }
            )
        )
        rows = {"pid": [], "place": []}
        for k in range(1, max(SITES) + 1):
            having = sites >= k
            places = (
                first[having]
                if k == 1
                else _within_departement(geo, weights, geo.place_dep[first[having]], rng)
            )
            rows["pid"].append(pids[having])
            rows["place"].append(places)
        rows["pid"].append(pids[sites == 0])
        rows["place"].append(np.full((sites == 0).sum(), -1))
        frame = pd.DataFrame(
            {"pid": np.concatenate(rows["pid"]), "place": np.concatenate(rows["place"])}
        )
        frame = frame.drop_duplicates(["pid", "place"]).sort_values(["pid", "place"], kind="stable")
        frame["profession"] = number
        # savoir-faire: doctors have one (GPs among SM26/53/54), 10 % of GPs a second (CAPA08)
        if profession.key == "gp":
            codes = np.array(GP_CODES)[rng.choice(3, count, p=GP_CODE_SHARES)]
            frame["savoir"] = codes[frame["pid"].to_numpy() - pids[0]]
            extra = frame[(rng.random(len(frame)) < 0.1)].assign(savoir="CAPA08")
            frame = pd.concat([frame, extra]).sort_values(["pid", "place", "savoir"], kind="stable")
        elif profession.key == "specialist":
            codes = np.array(SPECIALTY_CODES)[rng.integers(0, 4, count)]
            frame["savoir"] = codes[frame["pid"].to_numpy() - pids[0]]
        else:
            frame["savoir"] = ""
        activities.append(frame)
    people_frame = pd.concat(people, ignore_index=True)
    acts = pd.concat(activities, ignore_index=True)
    n = len(acts)
    liberal = people_frame["liberal"].to_numpy()[acts["pid"].to_numpy()]
    has_site = acts["place"].to_numpy() >= 0
    profession = acts["profession"].to_numpy()
    code = np.array([p.code for p in PLAN])[profession]
    secteur = np.where(
        liberal,
        np.where(rng.random(n) < 0.55, "SA07", "SA08"),
        np.where(rng.random(n) < 0.75, "SA01", "SA05"),
    ).astype(object)
    secteur[code == "21"] = "SA33"
    secteur[np.isin(code, ["26", "28"])] = "SA42"
    secteur[~has_site] = ""
    hospital = secteur == "SA01"
    commune_code = has_site & (rng.random(n) >= NO_COMMUNE_CODE)
    commune_code |= has_site & hospital  # hospitals: CEDEX postcode and a commune code
    cedex_only = has_site & ~commune_code & (rng.random(n) < 0.05)
    acts["liberal"] = liberal
    acts["secteur"] = secteur
    acts["commune_code"] = commune_code
    acts["cedex"] = hospital | cedex_only
    acts["site"] = np.where(has_site, acts["place"] * 16 + rng.integers(0, 16, n), -1)
    return HealthPlan(people_frame, acts.reset_index(drop=True))


# --- ANS: ps-libreacces-personne-activite.txt ---------------------------------------------------

_STREETS = (
    ("R", "Rue", "DE LA REPUBLIQUE"), ("AV", "Avenue", "DE LA GARE"),
    ("PL", "Place", "DE L EGLISE"), ("R", "Rue", "DES ECOLES"), ("BD", "Boulevard", "PASTEUR"),
    ("R", "Rue", "DU MOULIN"),
    ("RTE", "Route", "NATIONALE"), ("CHE", "Chemin", "DES VIGNES"), ("R", "Rue", "VICTOR HUGO"),
    ("IMP", "Impasse", "DES TILLEULS"),
)  # fmt: skip
_RAISON = {
    "SA07": "CABINET", "SA08": "CABINET DE GROUPE", "SA01": "CENTRE HOSPITALIER",
    "SA05": "CENTRE DE SANTE", "SA33": "PHARMACIE", "SA42": "OPTIQUE AUDITION", "": "",
}  # fmt: skip


def _place_table(geo: Geography, year: int) -> pd.DataFrame:
    """Per place: code and name in the COG of `year`, La Poste town, first postcode, CEDEX."""
    names = geo.names(year)
    target = geo.target(year)
    labels = []
    for p in range(geo.n_places):
        if p < geo.n:
            c = target[p]
            labels.append(libelle(names[c], geo.tncc[c]))
        else:
            labels.append(geo.arm_name[p - geo.n])
    cedex = [geo.cedex.get(int(d), ()) for d in geo.place_dep]
    return pd.DataFrame(
        {
            "place": np.arange(geo.n_places),
            "code": geo.place_codes(year),
            "libelle": labels,
            "bureau": [poste_name(x) for x in labels],
            "postcode": [codes[0] if codes else "" for codes in geo.postcodes],
            "cedex_code": [codes[0] if codes else "" for codes in cedex],
        }
    )


def annuaire_sante(world: World, millesime: int, target: Path) -> None:
    """`ps-libreacces-personne-activite.txt` (a daily snapshot; written in COG `RPPS_YEAR`)."""
    del millesime
    geo, plan, con = world.geo, world.health, world.con
    professions = pd.DataFrame(
        {
            "profession": range(len(PLAN)),
            "code": [p.code for p in PLAN],
            "label": [p.label for p in PLAN],
            "authority": [p.authority for p in PLAN],
            "docteur": [p.docteur for p in PLAN],
            "adeli": [p.adeli for p in PLAN],
        }
    )
    savoir = pd.DataFrame(
        [(code, *official.SAVOIR_FAIRE[code]) for code in official.SAVOIR_FAIRE],
        columns=["savoir", "type_code", "type_label", "label"],
    )
    secteurs = pd.DataFrame(
        [(code, label, _RAISON[code]) for code, label in [*official.SECTEURS.items(), ("", "")]],
        columns=["secteur", "label", "raison"],
    )
    streets = pd.DataFrame(_STREETS, columns=["code", "label", "voie"]).reset_index(names="street")
    acts = plan.activities.merge(
        plan.people[["pid", "female", "military"]], on="pid", how="left", sort=False
    )
    acts["street"] = acts["site"].abs() % len(_STREETS)
    acts["numero"] = (acts["site"].abs() // 7) % 60 + 1
    acts["section"] = np.where(
        acts["profession"].to_numpy() == 2, np.where(acts["liberal"], "A", "D"), ""
    )
    sections = pd.DataFrame(
        [(k, v) for k, v in [*official.SECTIONS_PHARMACIENS.items(), ("", "")]],
        columns=["section", "label"],
    )
    for name, table in (
        ("rpps_acts", acts),
        ("rpps_prof", professions),
        ("rpps_savoir", savoir),
        ("rpps_secteur", secteurs),
        ("rpps_street", streets),
        ("rpps_section", sections),
        ("rpps_place", _place_table(geo, RPPS_YEAR)),
    ):
        con.register(name, table)
    line = """
        select concat_ws('|',
            case when p.adeli then '0' else '8' end,
            ident,
            (case when p.adeli then '0' else '8' end) || ident,
            case when p.docteur then 'DR' else '' end,
            case when p.docteur then 'Docteur' else '' end,
            case when a.female then 'MME' else 'M' end,
            case when a.female then 'Madame' else 'Monsieur' end,
            'NOM FICTIF ' || a.pid, 'Prénom ' || a.pid,
            p.code, p.label,
            case when a.military then 'M' else 'C' end,
            case when a.military then 'Militaire' else 'Civil' end,
            coalesce(s.type_code, ''), coalesce(s.type_label, ''), a.savoir, coalesce(s.label, ''),
            case when a.liberal then 'L' else 'S' end,
            case when a.liberal then 'Libéral' else 'Salarié' end,
            '', '', '', '',
            case when a.site < 0 then '' else 'C9' || lpad(a.site::varchar, 13, '0') end,
            case when a.site < 0 then '' else sec.raison || ' ' || pl.bureau end,
            '', '', '',
            case when a.site < 0 then '' else a.numero::varchar end, '',
            case when a.site < 0 then '' else st.code end,
            case when a.site < 0 then '' else st.label end,
            case when a.site < 0 then '' else st.voie end,
            case when a.cedex then 'CS ' || lpad((a.site % 90000 + 10000)::varchar, 5, '0')
                else '' end,
            case when a.site < 0 then ''
                when a.cedex then pl.cedex_code || ' ' || pl.bureau || ' CEDEX'
                else pl.postcode || ' ' || pl.bureau end,
            case when a.site < 0 then '' when a.cedex then pl.cedex_code else pl.postcode end,
            case when a.commune_code then pl.code else '' end,
            case when a.commune_code then pl.libelle else '' end,
            '', '', '', '', '', '', '', '',
            case when a.site < 0 then '' else '3' || lpad(a.site::varchar, 13, '0') end,
            p.authority,
            a.secteur, sec.label,
            a.section, sec2.label,
            '', '', '', '', ''
        ) as line
        from (
            select acts.*, case when prof.adeli
                then '9' || lpad((acts.pid % 100000000)::varchar, 8, '0')
                else '19' || lpad(acts.pid::varchar, 9, '0') end as ident
            from rpps_acts as acts
            join rpps_prof as prof using (profession)
        ) as a
        join rpps_prof as p using (profession)
        left join rpps_savoir as s using (savoir)
        join rpps_secteur as sec using (secteur)
        join rpps_street as st using (street)
        join rpps_section as sec2 using (section)
        left join rpps_place as pl on a.place = pl.place
    """
    copy_lines(con, line, target, header="\ufeff" + "|".join([*official.RPPS_HEADER, ""]))
    for name in ("acts", "prof", "savoir", "secteur", "street", "section", "place"):
        con.unregister(f"rpps_{name}")


# --- La Poste: 019HexaSmal.csv ------------------------------------------------------------------


def codes_postaux(world: World, millesime: int, target: Path) -> None:
    """One row per commune x postcode (x ligne 5) of the COG of `millesime`; arrondissements with
    their own postcodes, the cities themselves absent; absorbed communes under their new commune
    with their old name as ligne 5."""
    geo = world.geo
    names = geo.names(millesime)
    targets = geo.target(millesime)
    alive = geo.alive(millesime)
    rows = []
    for i in range(geo.n):
        if geo.is_city[i]:
            continue
        home = targets[i]
        name = poste_name(libelle(names[home], geo.tncc[home]))
        ligne5 = "" if alive[i] else poste_name(libelle(geo.name[i], geo.tncc[i]))
        for postcode in geo.postcodes[i]:
            rows.append([geo.code[home], name, postcode, name, ligne5])
    for _, into, ghosts, mod in geo.ghost_events:
        if mod != "32" or geo.is_city[into] or not geo.postcodes[into]:
            continue
        home = targets[into]
        name = poste_name(libelle(names[home], geo.tncc[home]))
        for g in ghosts:
            ghost = poste_name(libelle(geo.ghost_name[g], geo.ghost_tncc[g]))
            rows.append([geo.code[home], name, geo.postcodes[into][0], name, ghost])
    for k, code in enumerate(geo.arm_code):
        city = poste_name(libelle(names[geo.arm_parent[k]], geo.tncc[geo.arm_parent[k]]))
        number = int(code[2:]) % 100
        for postcode in geo.postcodes[geo.n + k]:
            rows.append([code, f"{city} {number:02d}", postcode, city, ""])
    rows.sort(key=lambda r: (r[0], r[4], r[2]))
    header = [
        "#Code_commune_INSEE", "Nom_de_la_commune", "Code_postal", "Libellé_d_acheminement",
        "Ligne_5",
    ]  # fmt: skip
    target.write_bytes(csv_bytes(header, rows, separator=";", crlf=True, encoding="latin-1"))


# --- populations used for densities -------------------------------------------------------------


def departement_population(geo: Geography, year: int) -> np.ndarray:
    """Inhabitants of each département used for the densities of `year` (PMUN of millésime
    year - 3, within the millésimes drawn; Mayotte: its estimate)."""
    millesime = min(max(year - 3, BASE_MILLESIME), 2023)
    pop = np.bincount(geo.place_dep, geo.place_pmun(millesime), minlength=len(geo.departements))
    pop = pop.astype(float)
    for index, dep in enumerate(geo.departements):
        if pop[index] == 0:
            pop[index] = dep.population
    return pop


# --- data.ameli: demographie-effectifs-et-les-densites.csv --------------------------------------

AMELI_LABELS = (
    official.GP_ALL, official.GP_HORS_MEP,
    "Ensemble des médecins spécialistes (hors généralistes)", "Infirmiers",
    "Masseurs-kinésithérapeutes", "Ensemble des chirurgiens-dentistes", "Sages-femmes",
    "Ensemble des médecins", "Pédicures-podologues", "Orthophonistes", "Orthoptistes",
    "Allergologues", "Anesthésistes-réanimateurs", "Autres médecins", "Cardiologues",
    "Chirurgiens",
    "Chirurgiens-dentistes (hors spécialistes d'orthopédie dento-faciale - ODF)",
    "Chirurgiens-dentistes spécialistes d'orthopédie dento-faciale (ODF)", "Dermatologues",
    "Endocrinologues", "Ensemble des auxiliaires médicaux",
    "Gynécologues médicaux et obstétriciens",
    "Hépato-gastro-entérologues", "Médecins généralistes à expertise particulière (MEP)",
    "Médecins nucléaires", "Médecins pathologistes", "Médecins vasculaires", "Neurologues",
    "Néphrologues", "Ophtalmologues", "Oto-rhino-laryngologistes", "Pneumologues", "Psychiatres",
    "Pédiatres", "Radiologues", "Radiothérapeutes", "Rhumatologues", "Stomatologues",
)  # fmt: skip
"""The 38 `profession_sante` values (formats.md §5); the first seven are the ones the
observatory reads, so every scale has them."""
AMELI_FROM_PLAN = {  # label -> plan keys whose libéraux it counts
    official.GP_ALL: ("gp",), official.GP_HORS_MEP: ("gp",), AMELI_LABELS[2]: ("specialist",),
    "Infirmiers": ("60",), "Masseurs-kinésithérapeutes": ("70",),
    "Ensemble des chirurgiens-dentistes": ("40",), "Sages-femmes": ("50",),
    "Ensemble des médecins": ("gp", "specialist"), "Pédicures-podologues": ("80",),
    "Orthophonistes": ("91",), "Orthoptistes": ("92",),
    "Ensemble des auxiliaires médicaux": ("60", "70", "80", "91", "92"),
}  # fmt: skip
AMELI_LAST_YEAR = 2024
AMELI_FULL_YEARS = 15  # 2010-2024
AMELI_ROWS = 3_456_960
AGE_YOUNG = (1, 4, 6, 6, 5, 5, 4, 3, 2, 1, 0.5)
AGE_MIDDLE = (0.2, 2, 4, 5, 5, 5, 5, 4, 3, 2, 1)
AGE_OLD = (0, 0.5, 2, 3, 4, 4, 4, 4, 4, 3, 2)
"""Weights of the 11 age classes (AMELI_AGES) in a young, a middle-aged and an ageing
profession: the bundled sample's profiles, so both worlds age alike."""
_AGE_WEIGHTS = {"gp": AGE_OLD, "specialist": AGE_OLD, "40": AGE_MIDDLE, "50": AGE_MIDDLE}


def _ameli_shape(geo: Geography) -> tuple[int, int]:
    """(years, professions) so that the file has about AMELI_ROWS x scale rows: every
    département is always there, so the series and the list of professions shrink instead."""
    per_pair = (len(geo.departements) + 1) * 13 * 4
    pairs = round(AMELI_ROWS * geo.scale / per_pair)
    pairs = min(max(pairs, 7 * 3), len(AMELI_LABELS) * AMELI_FULL_YEARS)
    years = min(AMELI_FULL_YEARS, max(3, round(pairs / len(AMELI_LABELS))))
    professions = min(len(AMELI_LABELS), max(7, pairs // years))
    return years, professions


def _liberal_by_dep(geo: Geography, plan: HealthPlan, keys: tuple[str, ...]) -> np.ndarray:
    people = plan.people
    numbers = [i for i, p in enumerate(PLAN) if p.key in keys]
    chosen = people[people["profession"].isin(numbers) & people["liberal"]]
    return np.bincount(chosen["dep"], minlength=len(geo.departements)).astype(float)


def demographie_ameli(world: World, millesime: int, target: Path) -> None:
    geo, plan, con = world.geo, world.health, world.con
    rng = rng_for(geo.seed, "ameli")
    n_years, n_professions = _ameli_shape(geo)
    years = np.arange(millesime - n_years + 1, millesime + 1)
    labels = AMELI_LABELS[:n_professions]
    deps = len(geo.departements)
    # libéraux of the last year per profession x département
    last = np.zeros((len(labels), deps))
    pop = departement_population(geo, millesime)
    for p, label in enumerate(labels):
        if label in AMELI_FROM_PLAN:
            last[p] = _liberal_by_dep(geo, plan, AMELI_FROM_PLAN[label])
            if label == official.GP_HORS_MEP:
                last[p] = np.maximum(0, last[p] - rng.binomial(last[p].astype(int), 0.01))
        else:
            rate = rng.uniform(0.5, 12) / 100_000
            last[p] = rng.poisson(pop * rate)
    # earlier years: a slow trend per profession, noise per cell
    trend = rng.normal(0.0, 0.015, len(labels))
    back = (millesime - years)[:, None, None]
    totals = last[None] * (1 - trend[None, :, None]) ** back
    totals = np.rint(totals * rng.normal(1, 0.01, totals.shape)).clip(0).astype(np.int64)
    totals[-1] = last.astype(np.int64)
    # ages: a profession's structure, older in older départements
    weights = np.array(
        [_AGE_WEIGHTS.get(_plan_key(label), AGE_YOUNG) for label in labels], dtype=float
    )
    ageing = rng.normal(0, 0.15, deps)
    tilt = np.exp(np.outer(ageing, np.linspace(-1, 1, 11)))  # deps x 11
    probs = weights[None, :, None, :] * tilt[None, None, :, :]  # 1 x P x D x 11
    probs = np.broadcast_to(probs, (len(years), len(labels), deps, 11))
    probs = probs / probs.sum(axis=-1, keepdims=True)
    unknown = rng.binomial(totals, 0.002)
    known = totals - unknown
    ages = rng.multinomial(known, probs)  # Y x P x D x 11
    classes = np.concatenate([ages, unknown[..., None]], axis=-1)  # 12 classes
    female_share = np.linspace(0.75, 0.35, 12)
    female_share[-1] = 0.6
    women = rng.binomial(classes, female_share)
    unknown_sex = rng.binomial(classes - women, 0.001)
    men = classes - women - unknown_sex
    sexes = np.stack([men, women, unknown_sex], axis=-1)  # Y x P x D x 12 x 3
    france = sexes.sum(axis=2, keepdims=True)
    sexes = np.concatenate([sexes, france], axis=2)  # D + 1 territories, France last
    with_total_age = np.concatenate([sexes, sexes.sum(axis=3, keepdims=True)], axis=3)
    cube = np.concatenate([with_total_age, with_total_age.sum(axis=4, keepdims=True)], axis=4)
    # one row per (year, profession, territory, class, sex)
    y, p, t, a, s = np.indices(cube.shape).reshape(5, -1)
    population = np.array(
        [[*departement_population(geo, int(year)), 0] for year in years], dtype=float
    )
    population[:, -1] = population[:, :-1].sum(axis=1)
    effectif = cube.reshape(-1)
    density = effectif / population[y, t] * 100_000
    rows = pd.DataFrame(
        {"y": y, "p": p, "t": t, "a": a, "s": s, "effectif": effectif, "densite": density}
    )
    territories = pd.DataFrame(
        {
            "t": range(deps + 1),
            "place": [
                f"{d.region};{REGIONS[d.region][1]};{d.code};{d.name}" for d in geo.departements
            ]
            + ["99;France;999;Tout département"],
        }
    )
    classes_table = pd.DataFrame(
        {
            "a": range(13),
            "label": [
                f"{c};{lab}"
                for c, lab in [
                    *official.AMELI_AGES,
                    official.AMELI_UNKNOWN_AGE,
                    official.AMELI_ALL_AGES,
                ]
            ],
        }
    )
    sexes_table = pd.DataFrame(
        {"s": range(4), "label": ["hommes", "femmes", "sexe inconnu", "tout sexe"]}
    )
    professions_table = pd.DataFrame(
        {
            "p": range(len(labels)),
            "label": list(labels),
            "vision": [
                "non;non;non"
                if label == official.GP_ALL or label.startswith("Ensemble")
                else "oui;oui;oui"
                for label in labels
            ],
        }
    )
    years_table = pd.DataFrame({"y": range(len(years)), "annee": years.astype(str)})
    for name, table in (
        ("ameli_rows", rows),
        ("ameli_territories", territories),
        ("ameli_classes", classes_table),
        ("ameli_sexes", sexes_table),
        ("ameli_professions", professions_table),
        ("ameli_years", years_table),
    ):
        con.register(name, table)
    query = """
        select concat(yr.annee, ';', pr.label, ';', te.place, ';', cl.label, ';', se.label, ';',
            r.effectif, ';', printf('%.1f', r.densite), ';', pr.vision) as line
        from ameli_rows as r
        join ameli_years as yr using (y)
        join ameli_professions as pr using (p)
        join ameli_territories as te using (t)
        join ameli_classes as cl using (a)
        join ameli_sexes as se using (s)
    """
    copy_lines(con, query, target, header=";".join(official.AMELI_HEADER))
    for name in ("rows", "territories", "classes", "sexes", "professions", "years"):
        con.unregister(f"ameli_{name}")


def _plan_key(label: str) -> str:
    keys = AMELI_FROM_PLAN.get(label, ("",))
    return keys[0]


# --- DREES: Medecins_RPPS_2012-2026.xlsx --------------------------------------------------------

DREES_GROUPS = (
    "01-Médecine générale", "02-Chirurgie", "03-Ophtalmologie", "04-Oto-rhino-laryngologie",
    "05-Anesthésie-Réanimation", "06-Biologie médicale", "07-Cardiologie", "08-Dermatologie",
    "09-Gastro-entérologie", "10-Gynécologie", "11-Pédiatrie", "12-Pneumologie",
    "13-Psychiatrie et neuropsychiatrie", "14-Plateaux techniques", "15-Autre spécialité",
)  # fmt: skip
"""formats.md §4: `specialites_agregees` besides `00-Ensemble`."""
_SPACED = ("2A", "2B", "75", "971", "972", "973", "974", "976")
"""Départements the real workbook writes with a space before the dash (`02A -Corse-du-Sud`)."""


def _drees_label(code: str, name: str) -> str:
    padded = code if len(code) == 3 else f"0{code}"
    return f"{padded} -{name}" if code in _SPACED else f"{padded}-{name}"


def demographie_drees(world: World, millesime: int, target: Path) -> None:
    """The physicians workbook of edition `millesime` (years 2012 to `millesime`): France and
    every département x specialty group x age band x sex; the groups kept shrink with the
    scale (all 15 from scale 0.5, GPs, surgery and ophthalmology below 0.1)."""
    geo, plan = world.geo, world.health
    rng = rng_for(geo.seed, "drees")
    years = np.arange(official.DREES_FIRST_YEAR, millesime + 1)
    deps = len(geo.departements)
    kept = 15 if geo.scale >= 0.5 else (6 if geo.scale >= 0.1 else 3)
    groups = DREES_GROUPS[:kept]
    people = plan.people
    gp_number = next(i for i, p in enumerate(PLAN) if p.key == "gp")
    sp_number = next(i for i, p in enumerate(PLAN) if p.key == "specialist")
    gps = np.bincount(people.loc[people["profession"] == gp_number, "dep"], minlength=deps).astype(
        float
    )
    specialists = np.bincount(
        people.loc[people["profession"] == sp_number, "dep"], minlength=deps
    ).astype(float)
    shares = rng.dirichlet(np.full(len(groups) - 1, 2.0))
    last = np.vstack([gps, specialists[None, :] * shares[:, None]])  # G x D
    trend = rng.normal(0.005, 0.01, len(groups))
    back = (millesime - years)[:, None, None]
    totals = np.rint(last[None] * (1 - trend[None, :, None]) ** back).astype(np.int64)  # Y x G x D
    old_weights = np.array(AGE_OLD, dtype=float) + 0.3
    tilt = np.exp(np.outer(rng.normal(0, 0.15, deps), np.linspace(-1, 1, 11)))  # D x 11
    probs = old_weights[None, None, :] * tilt[None, :, :]
    probs = np.broadcast_to(probs / probs.sum(axis=-1, keepdims=True), (*totals.shape, 11))
    bands = rng.multinomial(totals, probs)  # Y x G x D x 11
    women = rng.binomial(bands, np.linspace(0.7, 0.15, 11))
    men = bands - women
    cube = np.stack([men + women, men, women], axis=-1)  # Y x G x D x 11 x 3
    cube = np.concatenate([cube.sum(axis=3, keepdims=True), cube], axis=3)  # band 00 first
    cube = np.concatenate([cube.sum(axis=1, keepdims=True), cube], axis=1)  # group 00 first
    cube = np.concatenate([cube.sum(axis=2, keepdims=True), cube], axis=2)  # France first
    masked = np.zeros(cube.shape[1:3], dtype=bool)  # group x territory: ND in its age bands
    small = cube[0, :, :, 0, 0] < 5
    masked[2:, :] = small[2:, :]
    population = np.array([departement_population(geo, int(y)) for y in years])  # Y x D
    population = np.column_stack([population.sum(axis=1), population])
    dep_order = sorted(range(deps), key=lambda d: _drees_label(geo.departements[d].code, ""))
    territories = [("0-France entière", "00-Ensemble", "000-Ensemble", 0)]
    for d in dep_order:
        dep = geo.departements[d]
        area = "2-DROM" if dep.overseas else "1-France métropolitaine"
        region = f"{dep.region}-{REGIONS[dep.region][1]}"
        territories.append((area, region, _drees_label(dep.code, dep.name), d + 1))
    effectifs, densites = [], []
    for area, region, label, t in territories:
        for g, group in enumerate(("00-Ensemble", *groups)):
            for b, band in enumerate(("00-Ensemble", *official.DREES_BANDS)):
                for s, sex in enumerate(official.DREES_SEXES):
                    counts = cube[:, g, t, b, s]
                    head = [area, region, label, group, "00-Ensemble", "0-Ensemble", band, sex]
                    if b > 0 and masked[g, t]:
                        effectifs.append([*head, *(["ND"] * len(years))])
                        densites.append([*head, *(["ND"] * len(years))])
                        continue
                    effectifs.append([*head, *(int(c) for c in counts)])
                    dens = np.round(counts / population[:, t] * 100_000, 1)
                    densites.append([*head, *(float(x) for x in dens)])
    sheets = official.drees_sheets(
        millesime,
        effectifs,
        densites,
        mark="Jeu synthétique national",
        invented_for="les mesures",
    )
    xlsx.write(target, sheets)
