"""Load and validate the dataset catalog (`assets/<producer>/<dataset>.yaml`) into typed objects.

The catalog is data, reviewed as YAML diffs: adding a dataset is one file here, one parser family
and one staging model. It is validated when definitions load, so a malformed entry is a clear
error naming the file and the field before anything runs. One module of more than 400 lines:
the models below are the schema of one YAML entry, read together by whoever adds a dataset.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FileFormat = Literal["csv", "zip", "xlsx", "parquet", "json", "geojson"]
MemberFormat = Literal["csv", "xlsx", "parquet", "json"]

_IDENTIFIER = r"^[a-z][a-z0-9_]*$"

COG_DATASET = "insee_cog_communes"
"""The dataset whose millésimes are the geographies every commune-coded input is placed on."""


LICENCE_URLS = {
    "licence ouverte": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
}
"""The text of the licences the catalog's producers use, by a prefix of their lower-cased name:
a `licence_url` that contradicts its licence's name is a copy-paste error caught at load time."""


def _absolute_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


def _compiles(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
    return value


class CatalogError(ValueError):
    """A catalog file is malformed; the message names the file and the field."""


def normalise_header(name: str) -> str:
    """Lenient header key: case, accents, spaces and punctuation do not matter.

    `"Code commune (coord. structure)"`, `"CODE_COMMUNE_COORD_STRUCTURE"` and
    `"code commune coord structure "` all give `code_commune_coord_structure`.
    """
    text = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ReadOptions(_Strict):
    """How to read one published file. Dataset-level defaults, overridable per millésime."""

    format: FileFormat | None = None
    member: str | None = Field(
        default=None, description="file inside the zip (case-insensitive, `*` wildcards allowed)"
    )
    member_format: MemberFormat | None = None
    separator: str | None = None
    separator_fallbacks: tuple[str, ...] | None = Field(
        default=None,
        description="separators to try, in order, when the header does not split on `separator` "
        "(an export whose delimiter is a download option)",
    )
    encoding: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    header_marker: str | None = Field(
        default=None, description="locate the header row as the first row holding this cell"
    )
    sheet: str | None = None
    quote: str | None = None

    def merged(self, override: ReadOptions) -> ReadOptions:
        values = self.model_dump()
        values.update({k: v for k, v in override.model_dump().items() if v is not None})
        return ReadOptions(**values)


class Column(_Strict):
    """A column of the raw table, matched leniently against the file's headers."""

    name: Annotated[str, Field(pattern=_IDENTIFIER)]
    aliases: tuple[str, ...] = ()
    pattern: str | None = Field(
        default=None,
        description="regex on the normalised header, for names that change every edition "
        "(e.g. `^p\\d{2}_pop75p$` for P21_POP75P, P22_POP75P...)",
    )
    required: bool = True
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        return _compiles(value)

    @property
    def candidates(self) -> tuple[str, ...]:
        """Normalised header keys that feed this column, in order of preference."""
        return tuple(normalise_header(x) for x in (self.name, *self.aliases))


class Millesime(_Strict):
    """One edition (millésime) of a dataset: where it is published and how to read it."""

    millesime: int = Field(ge=1900, le=2100)
    url: str
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    file_name_override: str | None = Field(
        default=None,
        alias="file_name",
        pattern=r"^[^/\\]+$",
        description="name to give the downloaded file when the URL's path has none (an API)",
    )
    read: ReadOptions = ReadOptions()
    note: str = Field(
        min_length=1,
        description="how the URL was established (confirmed by other public code, moved, single "
        "source, guessed): what a reviewer needs to trust it, and the first thing to read when "
        "the source stops answering",
    )

    @field_validator("note")
    @classmethod
    def _says_something(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say how the URL was established (not blank)")
        return value.strip()

    @field_validator("url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return _absolute_http_url(value)

    @property
    def file_name(self) -> str:
        """The published file name, as it appears in the URL's path (unless overridden)."""
        return self.file_name_override or Path(urlsplit(self.url).path).name


class ExpectationEntry(BaseModel):
    """Any Great Expectations expectation, by name, with its arguments (`column`, `min_value`...).

    `severity: error` blocks publication when it fails; `warn` publishes and reports."""

    model_config = ConfigDict(extra="allow", frozen=True)

    expect: Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")]
    name: Annotated[str, Field(pattern=_IDENTIFIER)] | None = None
    severity: Literal["error", "warn"] = "error"
    description: str = ""

    @property
    def expectation_type(self) -> str:
        """The snake-case type, `expect_` prefix added when the YAML leaves it out."""
        return self.expect if self.expect.startswith("expect_") else f"expect_{self.expect}"

    @property
    def kwargs_column(self) -> str:
        extra = self.model_extra or {}
        if "column" in extra:
            return str(extra["column"])
        return "_".join(map(str, extra.get("column_list", ()))) or "table"

    @property
    def columns(self) -> set[str]:
        """Columns the expectation names (`column`, `column_list`, `column_A`/`column_B`)."""
        extra = self.model_extra or {}
        named = {str(extra[k]) for k in ("column", "column_A", "column_B") if k in extra}
        return named | {str(c) for c in extra.get("column_list", ())}


class DriftRule(_Strict):
    """Each millésime against the previous one of the same dataset, within stated tolerances."""

    rows: float = Field(ge=0, description="relative change of the row count allowed")
    slack: int = Field(
        default=0, ge=0, description="rows of change always allowed (small tables, samples)"
    )
    sums: Mapping[str, float] = Field(
        default_factory=dict, description="column -> relative change of its total allowed"
    )
    keys: tuple[str, ...] = Field(
        default=(), description="columns whose values of the previous millésime must all remain"
    )
    severity: Literal["error", "warn"] = "error"


class Checks(_Strict):
    """The raw table's validation suite (Great Expectations, one millésime at a time)."""

    not_null: tuple[str, ...] = ()
    matches: Mapping[str, str] = Field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()
    expectations: tuple[ExpectationEntry, ...] = ()
    drift: DriftRule | None = None


class Dataset(_Strict):
    """A catalog entry: one dataset of one producer, with all its millésimes."""

    id: Annotated[str, Field(pattern=_IDENTIFIER)]
    title: str
    producer: Annotated[str, Field(pattern=_IDENTIFIER)]
    description: str = ""
    licence: str
    licence_url: str = Field(
        description="the licence's text: published with the data (meta.sources, datapackage.json)"
        " so that a reuser knows the terms without looking the name up"
    )
    landing_page: str
    group: Annotated[str, Field(pattern=_IDENTIFIER)]
    owner: str = "team:observatory"
    parser: Annotated[str, Field(pattern=_IDENTIFIER)] = "tabular"
    target_table: Annotated[str, Field(pattern=r"^raw\.[a-z][a-z0-9_]*$")]
    read: ReadOptions = ReadOptions()
    columns: tuple[Column, ...]
    derived: tuple[Column, ...] = Field(
        default=(), description="columns the parser family computes from the others"
    )
    checks: Checks = Checks()
    millesimes: tuple[Millesime, ...] = Field(min_length=1)
    millesimes_range: tuple[int, int] | None = Field(
        default=None,
        description="[first, last] years a file ingested by hand may be, beyond the listed "
        "millésimes (none: only the listed ones)",
    )
    file_name_pattern: str | None = Field(
        default=None, description="regex a file ingested by hand must have in its name"
    )
    rows_range: tuple[int, int] | None = Field(
        default=None, description="[min, max] data rows of a file ingested by hand"
    )

    @field_validator("millesimes_range", "rows_range")
    @classmethod
    def _ordered_range(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not 0 <= value[0] <= value[1]:
            raise ValueError("must be [low, high] with 0 <= low <= high")
        return value

    @field_validator("millesimes_range")
    @classmethod
    def _plausible_years(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not 1900 <= value[0] <= value[1] <= 2100:
            raise ValueError("years must lie within 1900-2100")
        return value

    @field_validator("file_name_pattern")
    @classmethod
    def _valid_name_regex(cls, value: str | None) -> str | None:
        return _compiles(value)

    @field_validator("licence_url", "landing_page")
    @classmethod
    def _absolute_urls(cls, value: str) -> str:
        return _absolute_http_url(value)

    @model_validator(mode="after")
    def _licence_url_matches_licence(self) -> Dataset:
        name = self.licence.lower()
        for prefix, url in LICENCE_URLS.items():
            if name.startswith(prefix) and self.licence_url != url:
                raise ValueError(f"licence_url: the text of {self.licence!r} is {url}")
        return self

    @field_validator("owner")
    @classmethod
    def _dagster_owner(cls, value: str) -> str:
        if not (value.startswith("team:") or "@" in value):
            raise ValueError("must be `team:<name>` or an e-mail address")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Dataset:
        names = [c.name for c in (*self.columns, *self.derived)]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"columns: duplicated names {duplicated}")
        years = [m.millesime for m in self.millesimes]
        if len(set(years)) != len(years):
            raise ValueError(f"millesimes: a millésime is listed twice in {years}")
        known = set(names)
        referenced = set(self.checks.not_null) | set(self.checks.matches)
        referenced |= {c for cols in self.checks.unique for c in cols}
        referenced |= {c for e in self.checks.expectations for c in e.columns}
        if self.checks.drift is not None:
            referenced |= set(self.checks.drift.sums) | set(self.checks.drift.keys)
        unknown = sorted(referenced - known - {"millesime"})
        if unknown:
            raise ValueError(f"checks: columns {unknown} are not declared in columns")
        for entry in self.millesimes:
            options = self.read.merged(entry.read)
            if options.format is None:
                raise ValueError(f"millesimes[{entry.millesime}].read.format: not set")
            if options.format == "zip" and not options.member:
                raise ValueError(
                    f"millesimes[{entry.millesime}].read.member: a zip needs the member to read"
                )
            is_csv = "csv" in (options.format, options.member_format)
            if is_csv and not options.separator:
                raise ValueError(f"millesimes[{entry.millesime}].read.separator: not set")
        return self

    @property
    def raw_columns(self) -> list[str]:
        """Columns of the raw table, in order, before the lineage columns."""
        return [c.name for c in (*self.columns, *self.derived)]

    @property
    def producer_table(self) -> str:
        """`insee__cog_communes` in `raw.insee__cog_communes`."""
        return self.target_table.split(".", 1)[1]

    def read_options(self, millesime: int) -> ReadOptions:
        """Read options of a millésime (one the catalog lacks reads like the nearest listed)."""
        return self.read.merged(self.edition(millesime).read)

    def edition(self, millesime: int) -> Millesime:
        """The catalog entry of a millésime; for an edition the catalog does not list (a newer
        file, or an older one ingested by hand), the nearest listed edition's, earlier one on a
        tie, without its checksum: formats change slowly, so the closest year reads alike."""
        for entry in self.millesimes:
            if entry.millesime == millesime:
                return entry
        nearest = min(self.millesimes, key=lambda m: (abs(m.millesime - millesime), m.millesime))
        return nearest.model_copy(update={"millesime": millesime, "sha256": None})

    @property
    def years(self) -> list[int]:
        return sorted(m.millesime for m in self.millesimes)

    def has_millesime(self, millesime: int) -> bool:
        return any(m.millesime == millesime for m in self.millesimes)

    def accepts_millesime(self, millesime: int) -> bool:
        """A listed edition, or a year within `millesimes_range` (a file ingested by hand)."""
        if self.has_millesime(millesime):
            return True
        low, high = self.millesimes_range or (0, -1)
        return low <= millesime <= high


class Catalog:
    """Every dataset of the catalog, by id."""

    def __init__(self, datasets: Mapping[str, Dataset], root: Path) -> None:
        self._datasets = dict(sorted(datasets.items()))
        self.root = root

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self._datasets.values())

    def __len__(self) -> int:
        return len(self._datasets)

    def __contains__(self, dataset_id: object) -> bool:
        return dataset_id in self._datasets

    def get(self, dataset_id: str) -> Dataset:
        try:
            return self._datasets[dataset_id]
        except KeyError:
            close = [d for d in self._datasets if dataset_id in d or d in dataset_id]
            close += difflib.get_close_matches(dataset_id, self._datasets, n=3, cutoff=0.75)
            close = list(dict.fromkeys(close))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise CatalogError(
                f"unknown dataset {dataset_id!r}{hint} (`observatory datasets` lists them)"
            ) from None

    def by_table(self) -> dict[str, Dataset]:
        return {d.target_table: d for d in self}

    def target_cog(self, setting: int | None) -> int:
        """The COG every commune-coded input is harmonised to: the setting
        (OBSERVATORY_COG_MILLESIME), else the latest edition of the catalog."""
        return setting if setting is not None else max(self.get(COG_DATASET).years)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden" and item.get("input") is None:
            # `{description: a, b}` in YAML flow style makes `b` a key: the usual culprit.
            message += " (an unquoted comma inside a {...} mapping? quote that value)"
        parts.append(f"field `{where}`: {message}")
    return "; ".join(parts)


def load_dataset(path: Path) -> Dataset:
    """Parse one catalog file; every problem is reported with the file and field."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(f"{path}: {_describe(exc)}") from exc
    stem_ok = dataset.id in (path.stem, f"{dataset.producer}_{path.stem}")
    if path.parent.name != dataset.producer or not stem_ok:
        raise CatalogError(
            f"{path}: field `id`/`producer`: a dataset {dataset.id!r} of producer "
            f"{dataset.producer!r} lives in {dataset.producer}/{dataset.id}.yaml "
            f"(or {dataset.producer}/<id without the producer prefix>.yaml)"
        )
    return dataset


def load_catalog(root: Path) -> Catalog:
    """Load every `<producer>/<dataset>.yaml` under root (`sample/` is data, not catalog)."""
    if not root.is_dir():
        raise CatalogError(f"{root}: catalog folder not found")
    datasets: dict[str, Dataset] = {}
    tables: dict[str, Path] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.parent.name == "sample":
            continue
        dataset = load_dataset(path)
        if dataset.id in datasets:
            raise CatalogError(f"{path}: field `id`: {dataset.id!r} is already used")
        if dataset.target_table in tables:
            raise CatalogError(
                f"{path}: field `target_table`: {dataset.target_table} is already the target "
                f"of {tables[dataset.target_table]}"
            )
        datasets[dataset.id] = dataset
        tables[dataset.target_table] = path
    if not datasets:
        raise CatalogError(f"{root}: no catalog entry (assets/<producer>/<dataset>.yaml)")
    return Catalog(datasets, root)
