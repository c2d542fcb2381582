"""The BPE nomenclature as the project's seeds record it, and the files written from it.

`dbt_like_sql/seeds` holds the facility types evidenced in each edition (`bpe_typequ`), the
correspondences between editions (`bpe_typequ_passage`) and the gammes (`bpe_gammes`). Both
generators may only use a code the seeds make valid in its edition, and both write
`TYPEQU_YYYY.csv` and the gammes rows from the seeds' labels; the folder is given, not looked
up, because this package knows nothing of the repository's layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path

from observatory.formats.bpe import GAMME_LABELS, NOMENCLATURE_HEADER
from observatory.formats.delimited import Cell, csv_bytes

GammeEntry = tuple[str, str, str, str]
"""(regroupement, its label, member typequ, gamme key of GAMME_LABELS)."""


class BpeSeeds:
    """The seeds of one folder, read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def rows(self, name: str) -> list[dict[str, str]]:
        """The rows of seed `name` (`;`-separated CSV with a header)."""
        text = (self.folder / f"{name}.csv").read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))

    @cached_property
    def typequ(self) -> dict[str, dict[str, str]]:
        """TYPEQU -> its row (labels of the type, sous-domaine, domaine; editions)."""
        return {row["typequ"]: row for row in self.rows("bpe_typequ")}

    @cached_property
    def gammes_proximite(self) -> tuple[tuple[str, str], ...]:
        """(regroupement label, member TYPEQU) of the 2025 gamme de proximité, in order."""
        return tuple(
            (row["libelle_regroupement"], row["typequ"])
            for row in self.rows("bpe_gammes")
            if row["millesime"] == "2025" and "proximit" in row["gamme"].lower()
        )

    @cached_property
    def passage(self) -> frozenset[tuple[str, str, str]]:
        """(periode, typequ_avant, typequ_apres) of every correspondence of the passage seed."""
        return frozenset(
            (row["periode"], row["typequ_avant"], row["typequ_apres"])
            for row in self.rows("bpe_typequ_passage")
        )

    def editions_of(self, code: str) -> set[int]:
        """The editions the seed evidences `code` in."""
        row = self.typequ.get(code)
        return {int(e) for e in row["editions"].split(",")} if row else set()

    def valid_2025(self, code: str) -> bool:
        """Evidenced in 2025, a member of the 2025 gamme de proximité, or carried over from
        2024 (the 2025 seed is incomplete: a 2024 code not renumbered still exists)."""
        if 2025 in self.editions_of(code) or code in {c for _, c in self.gammes_proximite}:
            return True
        renumbered = {
            before for periode, before, _ in self.passage if periode in ("2024->2025", "2023->2025")
        }
        return 2024 in self.editions_of(code) and code not in renumbered

    def proximite_entries(self) -> list[GammeEntry]:
        """The seed's regroupements of the gamme de proximité, one entry per member type;
        multi-type regroupements are coded AR01, BR01... by domaine."""
        members: dict[str, list[str]] = {}
        for label, code in self.gammes_proximite:
            members.setdefault(label, []).append(code)
        per_domain: dict[str, int] = {}
        entries: list[GammeEntry] = []
        for label, codes in members.items():
            if len(codes) > 1:
                per_domain[codes[0][0]] = per_domain.get(codes[0][0], 0) + 1
                group = f"{codes[0][0]}R{per_domain[codes[0][0]]:02d}"
            else:
                group = codes[0]
            entries += [(group, label, code, "proximite") for code in codes]
        return entries

    def gamme_rows(self, entries: Iterable[GammeEntry]) -> list[list[Cell]]:
        """The gammes workbook's rows for `entries`, with the seed's labels."""
        seed = self.typequ
        return [
            [
                group,
                label,
                code,
                seed[code]["libelle"],
                GAMME_LABELS[gamme],
                code[:2],
                seed[code]["libelle_sdom"],
                code[0],
                seed[code]["libelle_dom"],
            ]
            for group, label, code, gamme in entries
        ]

    def nomenclature_csv(self, millesime: int, used: Iterable[str]) -> bytes:
        """`TYPEQU_YYYY.csv`: the codes the seed evidences for the edition, plus those of
        `used` (the codes the edition's BPE uses) the seed knows, with the seed's labels."""
        seed = self.typequ
        codes = {c for c, row in seed.items() if str(millesime) in row["editions"].split(",")}
        codes |= {c for c in used if c in seed}
        rows = [
            [c, seed[c]["libelle"], seed[c]["libelle_sdom"], seed[c]["libelle_dom"]]
            for c in sorted(codes)
        ]
        return csv_bytes(NOMENCLATURE_HEADER, rows, separator=";")


@cache
def bpe_seeds(folder: Path) -> BpeSeeds:
    """The seeds of `folder`, shared by every caller."""
    return BpeSeeds(folder)
