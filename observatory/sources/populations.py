"""Populations de référence (`donnees_communes.csv`): one commune code whatever the edition.

The 2019 file has `COM` = commune code; 2020 has `COM` = commune *name* and the code split into
`CODDEP` + `CODCOM`; 2021 onwards has `COM` = code again and the name in `Commune`. The code is
`COM` when it is one, else the département's first two characters followed by the 3-digit
`CODCOM` (`971` + `101` gives `97101`, `2A` + `004` gives `2A004`), so every edition ingests.
"""

from __future__ import annotations

from observatory.catalog import Dataset
from observatory.sources.columns import column_expressions

COMMUNE_CODE = r"^(\d{5}|2[AB]\d{3})$"


def column_expressions_populations(
    dataset: Dataset, matched: dict[str, str | None]
) -> list[tuple[str, str]]:
    expressions = column_expressions(dataset, matched)
    value = dict(expressions)
    com_is_code = f"regexp_full_match(coalesce({value['com']}, ''), '{COMMUNE_CODE[1:-1]}')"
    rebuilt = (
        f"left({value['code_departement']}, 2) "
        f"|| lpad({value['code_commune_dans_departement']}, 3, '0')"
    )
    expressions.append(
        ("code_commune", f"case when {com_is_code} then {value['com']} else {rebuilt} end")
    )
    expressions.append(
        (
            "libelle_commune",
            f"case when {com_is_code} then {value['libelle_source']} else {value['com']} end",
        )
    )
    return expressions
