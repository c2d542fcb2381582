"""What a territory's report maps, read from the published marts: `MapData`, beside `Profile`.

One row per commune of the territory with its outline (`marts.territoires__contours`) and the
indicators drawn commune by commune: distance to a general practitioner, to a pharmacy and to the
services of the gamme de proximité missing for the largest share of the territory's population
(`marts.services__acces`, latest edition), the GP accessibility (APL), the share aged 75 and over
and the change of the population (`dbt_like_sql/analysis/carte_*.sql`); and the locator map, the
territory among the communes of its département (a département among those of its région).

A published file without outlines (one written before they were published) has no maps:
`load_map_data` returns None and the report says so; `observatory profile` never reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from observatory.analysis.profile import Profile
from observatory.analysis.queries import run_query
from observatory.warehouse import table_exists

CONTOURS = "marts.territoires__contours"
CONTOURS_DATASET = "etalab_contours_communes"
"""The catalog's dataset of the outlines, credited under every map."""
SERVICES_CARTES = ("D265", "D307")
"""Regroupements always mapped: médecin généraliste, pharmacie (BPE codes)."""
NB_MANQUANTS = 3
"""How many of the gamme de proximité's most missing services get a map."""
APL_SEUIL = 2.5
"""Under-served below 2.5 consultations per year and standardised inhabitant (DREES)."""
MAX_COMMUNES = 1500
"""Beyond this many communes (a région, France) the commune maps would make the page too heavy
to e-mail: they are left to the static site's maps by département and EPCI."""


@dataclass(frozen=True)
class MapIndicator:
    """One map: its values aligned on `MapData.communes`, and how it is drawn and read."""

    code: str
    label: str
    unit: str
    values: tuple[float | None, ...]
    palette: str
    reading: str
    producer: str
    source: str
    threshold: float | None = None
    scheme: str = "quantiles"
    suffix: str = ""
    """What follows each value in the shapes' titles when the unit does not say it."""


@dataclass(frozen=True)
class MapCommune:
    code: str
    name: str
    geometry: bytes | None


@dataclass(frozen=True)
class LocatorShape:
    code: str
    name: str
    geometry: bytes


@dataclass(frozen=True)
class Locator:
    """The territory's outline among its context's members (`context`: `Ain` ...), those of
    `inside` (codes) filled. `shapes` is one tuple per context, shared by the locators of all
    its territories (a département's ~350 communes are read, kept and pickled once)."""

    context: str
    shapes: tuple[LocatorShape, ...]
    outline: bytes
    inside: frozenset[str] = frozenset()

    @property
    def flags(self) -> list[bool]:
        """Whether each of `shapes` lies in the territory."""
        return [s.code in self.inside for s in self.shapes]


@dataclass(frozen=True)
class MapData:
    """Everything the report's `Cartes` section draws."""

    communes: tuple[MapCommune, ...]
    indicators: list[MapIndicator] = field(default_factory=list)
    locator: Locator | None = None
    too_many_communes: bool = False

    @property
    def without_outline(self) -> int:
        return sum(1 for c in self.communes if c.geometry is None)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _locators(
    con: duckdb.DuckDBPyConnection, profiles: Sequence[Profile], sql_dir: Path | None
) -> dict[int, Locator]:
    """The locator map of each profile (keyed by its rank): the communes of the territory's
    département (a département: the départements of its région); none for a région or France.
    One query for all of them; each context's members and each outline are read once however
    many maps draw them."""
    refs = []
    contexts: dict[int, tuple[str, str, str]] = {}
    for cle, profile in enumerate(profiles):
        ter = profile.territory
        context = next(
            (r for r in profile.references[1:] if r.role in ("departement", "region")), None
        )
        if ter.niveau in ("region", "france") or context is None:
            continue
        contexts[cle] = (context.niveau, context.code, context.long)
        refs.append(
            {
                "cle": cle,
                "niveau": ter.niveau,
                "code": ter.code,
                "contexte_niveau": context.niveau,
                "contexte_code": context.code,
                "membres_niveau": "departement" if ter.niveau == "departement" else "commune",
            }
        )
    if not refs:
        return {}
    rows = run_query(con, "carte_situation", sql_dir, carte_refs=refs)
    outlines = {
        (niveau, code): (name or code, bytes(geometry))
        for ordre, _, _, _, niveau, code, name, geometry in rows
        if ordre == 2 and geometry is not None
    }
    members: dict[tuple[str, str], list[LocatorShape]] = defaultdict(list)
    inside: dict[int, set[str]] = defaultdict(set)
    for ordre, cle, contexte_niveau, contexte_code, niveau, code, _, _ in rows:
        if ordre == 0 and (niveau, code) in outlines:
            name, geometry = outlines[(niveau, code)]
            members[(contexte_niveau, contexte_code)].append(LocatorShape(code, name, geometry))
        elif ordre == 1:
            inside[cle].add(code)
    shapes = {key: tuple(found) for key, found in members.items()}
    locators = {}
    for cle, (contexte_niveau, contexte_code, label) in contexts.items():
        ter = profiles[cle].territory
        own = outlines.get((ter.niveau, ter.code))
        context = shapes.get((contexte_niveau, contexte_code))
        if own is not None and context:
            locators[cle] = Locator(label, context, own[1], frozenset(inside[cle]))
    return locators


def load_map_data(
    con: duckdb.DuckDBPyConnection, profile: Profile, sql_dir: Path | None = None
) -> MapData | None:
    """The maps of `profile`'s territory, or None when the file publishes no outlines: the
    batch of one of `load_maps_data`."""
    key = (profile.territory.niveau, profile.territory.code)
    return load_maps_data(con, [profile], sql_dir)[key]


def load_maps_data(
    con: duckdb.DuckDBPyConnection, profiles: Sequence[Profile], sql_dir: Path | None = None
) -> dict[tuple[str, str], MapData | None]:
    """The maps of many territories keyed by (niveau, code), every `carte_*.sql` run ONCE for
    all of them (its rows carry the territory's `cle`, its rank in `profiles`), as
    profile.load_profiles does for the profiles; None for all when the file publishes no
    outlines. A territory of more than MAX_COMMUNES communes gets its locator only."""
    keys = [(p.territory.niveau, p.territory.code) for p in profiles]
    if not table_exists(con, CONTOURS):
        return dict.fromkeys(keys)
    locators = _locators(con, profiles, sql_dir)
    mapped = [cle for cle, p in enumerate(profiles) if p.territory.nb_communes <= MAX_COMMUNES]
    refs = [
        {"cle": cle, "niveau": profiles[cle].territory.niveau, "code": profiles[cle].territory.code}
        for cle in mapped
    ]
    services: dict[int, list[tuple]] = defaultdict(list)
    communes: dict[int, list[tuple]] = defaultdict(list)
    if refs:
        for cle, *row in run_query(
            con,
            "carte_services",
            sql_dir,
            carte_refs=refs,
            carte_services=list(SERVICES_CARTES),
            carte_manquants=NB_MANQUANTS,
        ):
            services[cle].append(tuple(row))
        codes = sorted({row[0] for found in services.values() for row in found})
        geometries: dict[str, bytes] = {}
        for cle, code, *row in run_query(
            con, "carte_communes", sql_dir, carte_refs=refs, carte_services=codes
        ):
            # one bytes object per commune, however many territories it belongs to
            geometry = row[1]
            if geometry is not None:
                geometry = geometries.setdefault(code, bytes(geometry))
            distances = dict(zip(row[2] or (), row[3] or (), strict=True))
            communes[cle].append((code, row[0], geometry, distances, *row[4:]))
    found: dict[tuple[str, str], MapData | None] = {}
    for cle, (key, profile) in enumerate(zip(keys, profiles, strict=True)):
        if profile.territory.nb_communes > MAX_COMMUNES:
            found[key] = MapData((), locator=locators.get(cle), too_many_communes=True)
        else:
            found[key] = _map_data(profile, services[cle], communes[cle], locators.get(cle))
    return found


def _map_data(
    profile: Profile, services: list[tuple], rows: list[tuple], locator: Locator | None
) -> MapData:
    """One territory's maps from its rows of carte_services and carte_communes."""
    data = MapData(
        tuple(MapCommune(code, name or code, geometry) for code, name, geometry, *_ in rows),
        locator=locator,
    )
    bpe = f"Insee, BPE {profile.millesime_bpe or 'n.d.'}"
    missing: list[MapIndicator] = []
    for code, libelle, part_sans, manquant, _ in services:
        reading = (
            f"Distance à vol d'oiseau entre la mairie de chaque commune et le plus proche "
            f"équipement « {libelle} » (0 quand la commune en a un) ; plus la couleur est foncée, "
            "plus il est loin."
        )
        if manquant and part_sans is not None:
            share = f"{100 * part_sans:.0f}".replace(".", ",")
            reading += f" {share} % des habitants du territoire n'en ont pas dans leur commune."
        (missing if manquant else data.indicators).append(
            MapIndicator(
                f"distance-{code}",
                f"Distance au plus proche équipement : {libelle}",
                "km",
                tuple(_float((r[3] or {}).get(code)) for r in rows),
                "YlOrRd",
                reading,
                "Insee",
                f"{bpe}, calcul de l'observatoire",
            )
        )
    millesime_apl = rows[0][9] if rows else None
    debut, fin = (rows[0][7], rows[0][8]) if rows else (None, None)
    population = f"Insee, populations de référence {fin or 'n.d.'}"
    data.indicators.append(
        MapIndicator(
            "apl_mg",
            f"Accessibilité aux médecins généralistes (APL {millesime_apl or 'n.d.'})",
            "apl",
            tuple(_float(r[4]) for r in rows),
            "Blues",
            "Consultations de médecine générale accessibles par an et par habitant (population "
            "standardisée selon l'âge) ; plus la couleur est foncée, meilleur est l'accès. Les "
            "classes coupent au seuil de 2,5 sous lequel une commune est dite sous-dotée.",
            "Agence du numérique en santé",
            f"Annuaire santé {profile.millesime_sante or 'n.d.'} et {population}, "
            "calcul de l'observatoire",
            threshold=APL_SEUIL,
            suffix="consultations/an/hab.",
        )
    )
    data.indicators.append(
        MapIndicator(
            "part_75_ans_et_plus",
            f"Part des 75 ans et plus ({fin or 'n.d.'})",
            "part",
            tuple(_float(r[5]) for r in rows),
            "PuBuGn",
            "Part des habitants âgés de 75 ans et plus ; plus la couleur est foncée, plus la "
            "population est âgée.",
            "Insee",
            population,
        )
    )
    data.indicators.append(
        MapIndicator(
            "variation_population",
            f"Évolution de la population {debut or ''}-{fin or ''}",
            "pct",
            tuple(_float(r[6]) for r in rows),
            "viridis",
            f"Variation de la population municipale entre {debut or 'n.d.'} et {fin or 'n.d.'} "
            "(en %) ; autant de communes dans chaque classe, les plus foncées ont le plus gagné "
            "(ou le moins perdu).",
            "Insee",
            population,
        )
    )
    data.indicators.extend(missing)
    return data
