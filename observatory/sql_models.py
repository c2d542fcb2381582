"""Turn `dbt_like_sql/<layer>/<name>.sql` into Dagster assets, dependencies read from the SQL.

Each file holds one SELECT and a leading comment (description, `grain:`, `columns:`). The tables it
reads are found with sqlglot (every schema-qualified table, minus CTE names), so nobody declares a
dependency by hand and a reference to an unknown table, or a cycle, fails when definitions load.
All models run in one subsettable multi-asset on one DuckDB connection, in dependency order, each
yielding its own materialization, the way dbt models run in Dagster; one connection also means
one writer, which is all DuckDB allows.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb
import sqlglot
from dagster import AssetExecutionContext
from sqlglot import exp

from observatory.resources import WRITER_POOL, ObservatoryResource
from observatory.settings import Settings
from observatory.warehouse import quote_identifier, table_columns, table_exists, writer

LAYERS = {"staging": "stg_", "intermediate": "int_", "quarantine": "", "marts": ""}
"""Layer folder -> required name prefix. `quarantine` holds the rows a source could not place,
one table per source named like its raw table (`quarantine.insee__populations_reference`)."""

TESTS_FOLDER = "tests"
MACROS_FOLDER = "macros"
"""`dbt_like_sql/macros/*.sql`: one `create or replace macro` each, run before the models (the
macros are stored in the warehouse, so the models still run as they are in the DuckDB CLI)."""
NOT_MODELS = (TESTS_FOLDER, "seeds", MACROS_FOLDER)
"""`dbt_like_sql/tests/*.sql`: checks (one SELECT returning offending rows), see quality.py."""


class ModelError(ValueError):
    """A SQL model is malformed; the message names the file."""


@dataclass(frozen=True)
class SqlModel:
    """One SQL file = one table = one asset."""

    path: Path
    schema: str
    name: str
    sql: str
    description: str
    grain: str
    columns: Mapping[str, str] = field(default_factory=dict)
    deps: frozenset[str] = frozenset()
    header: tuple[str, ...] = ()
    """The leading comment lines (the validation suite is read from its `keys:`/`expect:`)."""

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.name])


SUITE_PREFIXES = ("keys:", "expect:")
"""Header lines declaring the table's validation suite (read by expectations.model_suite)."""


def header_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:].rstrip())
    return lines


def _header(text: str, path: Path) -> tuple[str, str, dict[str, str]]:
    """Read the leading comment block: description lines, `grain:`, then `columns:` entries
    (`keys:` and `expect:` lines, the validation suite, may stand anywhere in it)."""
    lines = [x for x in header_lines(text) if not x.strip().lower().startswith(SUITE_PREFIXES)]
    description, grain, columns = [], "", {}
    section = "description"
    for line in lines:
        body = line.strip()
        lower = body.lower()
        if lower.startswith("grain:"):
            grain, section = body.split(":", 1)[1].strip(), "grain"
        elif lower.startswith("columns:"):
            section = "columns"
        elif section == "columns" and ":" in body:
            name, text_ = body.split(":", 1)
            columns[name.strip()] = text_.strip()
        elif section == "columns" and body and columns:
            last = next(reversed(columns))
            columns[last] = f"{columns[last]} {body}"
        elif section == "description" and body:
            description.append(body)
    if not grain:
        raise ModelError(f"{path}: the leading comment must state the grain (`-- grain: ...`)")
    if not description:
        raise ModelError(f"{path}: the leading comment must start with a description")
    return " ".join(description), grain, columns


def dependencies(sql: str, path: Path) -> frozenset[str]:
    """Schema-qualified tables a single SELECT reads (CTE names and table functions excluded)."""
    try:
        statements = [
            s
            for s in sqlglot.parse(sql, read="duckdb")
            if s is not None and not isinstance(s, exp.Semicolon)  # a comment after the `;`
        ]
    except sqlglot.errors.ParseError as exc:
        raise ModelError(f"{path}: SQL does not parse: {exc}") from exc
    if len(statements) != 1:
        raise ModelError(f"{path}: expected exactly one statement, found {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ModelError(f"{path}: a model is one SELECT, found {statement.key.upper()}")
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    deps = set()
    for table in statement.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # table functions such as read_csv(...) or unnest(...)
        name = table.name.lower()
        if not table.db:
            if name in ctes:
                continue
            raise ModelError(
                f"{path}: table {table.name!r} must be schema-qualified "
                "(raw., staging., intermediate., marts.)"
            )
        deps.add(f"{table.db.lower()}.{name}")
    return frozenset(deps)


def load_model(path: Path, root: Path) -> SqlModel:
    relative = path.relative_to(root)
    if len(relative.parts) != 2 or relative.parts[0] not in LAYERS:
        raise ModelError(f"{path}: models live in dbt_like_sql/<{'|'.join(LAYERS)}>/<name>.sql")
    schema, name = relative.parts[0], path.stem
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not name.startswith(LAYERS[schema]):
        raise ModelError(f"{path}: a {schema} model is named {LAYERS[schema]}<snake_case>.sql")
    text = path.read_text(encoding="utf-8")
    description, grain, columns = _header(text, path)
    # The statement without its final `;` (and any comment after it), to wrap in CREATE TABLE.
    sql = re.sub(r";\s*(--[^\n]*\s*)*$", "", text.strip()).strip()
    return SqlModel(
        path,
        schema,
        name,
        sql,
        description,
        grain,
        columns,
        dependencies(sql, path),
        tuple(header_lines(text)),
    )


def load_macros(root: Path) -> list[tuple[Path, str]]:
    """Every macro file, checked to hold one `create [or replace] macro` statement, in file-name
    order: DuckDB binds a macro's body when it is created, so a macro uses only those before it
    (`distance_km` uses `angle_haversine` and `arc_km`)."""
    macros = []
    for path in sorted((root / MACROS_FOLDER).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        code = "\n".join(x for x in text.splitlines() if not x.strip().startswith("--")).strip()
        code = code.rstrip(";").strip()
        if not re.match(r"(?is)^create\s+(or\s+replace\s+)?(temp\s+)?macro\s", code) or ";" in code:
            raise ModelError(f"{path}: a macro file holds one `create or replace macro` statement")
        macros.append((path, code))
    return macros


def load_models(root: Path, known_tables: Iterable[str]) -> list[SqlModel]:
    """Every model under root, checked: known references only, no cycle; in dependency order."""
    paths = [
        p for p in sorted(root.rglob("*.sql")) if p.relative_to(root).parts[0] not in NOT_MODELS
    ]
    models = [load_model(p, root) for p in paths]
    by_table = {m.table: m for m in models}
    known = set(known_tables) | set(by_table)
    for model in models:
        unknown = sorted(model.deps - known)
        if unknown:
            raise ModelError(f"{model.path}: references unknown table(s) {', '.join(unknown)}")
    graph = {m.table: {d for d in m.deps if d in by_table} for m in models}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        files = " -> ".join(f"{t} ({by_table[t].path})" for t in exc.args[1])
        raise ModelError(f"dependency cycle between models: {files}") from exc
    return [by_table[t] for t in order]


def _markdown(columns: list[str], rows: list[tuple]) -> str:
    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("'", "''")


STATE_TABLE = "meta.modeles"
"""Each model's fingerprint when it was last built: its SQL, the macros and run parameters, and
the fingerprints of what it reads. A model whose fingerprint is unchanged is not rebuilt (dbt's
state comparison), so a refresh where nothing changed rebuilds nothing; `observatory build
--full-refresh` forgets the states."""


def _sha(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def _source_token(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """What identifies a table the models read but do not build: for a raw table the ingestions
    its rows come from (one cheap column), otherwise its whole content."""
    if not table_exists(con, table):
        return "absent"
    hashed = "ingestion_id, millesime" if "ingestion_id" in table_columns(con, table) else "t"
    row = con.execute(
        f"select count(*), coalesce(sum(hash({hashed})), 0)::varchar from {table} as t"
    ).fetchall()[0]
    return f"{row[0]}:{row[1]}"


def _context(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """The macros and the run's parameters: a change in either rebuilds every model."""
    macros = [
        p.read_text(encoding="utf-8")
        for p in sorted(settings.sql_dir.glob(f"{MACROS_FOLDER}/*.sql"))
    ]
    parameters = con.execute("select * from meta.parametres order by all").fetchall()
    return _sha(*macros, parameters)


def _states(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    con.execute(
        f"create table if not exists {STATE_TABLE} (table_name varchar primary key, "
        "fingerprint varchar, built_at timestamp)"
    )
    return dict(con.execute(f"select table_name, fingerprint from {STATE_TABLE}").fetchall())


def warehouse_token(con: duckdb.DuckDBPyConnection) -> str | None:
    """What the built tables are made of: every model's fingerprint and the ingestions. Equal
    tokens mean nothing was rebuilt or loaded since (the publication and the SQL checks then
    keep what they had). None when models have no recorded state."""
    if not (table_exists(con, STATE_TABLE) and table_exists(con, "meta.ingestions")):
        return None
    models = con.execute(
        f"select table_name, fingerprint from {STATE_TABLE} order by all"
    ).fetchall()
    ingestions = con.execute(
        "select count(*), coalesce(sum(hash(ingestion_id)), 0)::varchar from meta.ingestions"
    ).fetchall()
    return _sha(models, ingestions) if models else None


def forget_states(con: duckdb.DuckDBPyConnection) -> None:
    """Every model is rebuilt at the next run (`--full-refresh`)."""
    if table_exists(con, STATE_TABLE):
        con.execute(f"delete from {STATE_TABLE}")


def run_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[str, object]:
    """Build one table, attach its descriptions, and describe what came out."""
    con.execute(f"create or replace table {model.table} as\n{model.sql}")
    con.execute(
        f"comment on table {model.table} is '{_escape(model.description)} "
        f"Grain: {_escape(model.grain)}'"
    )
    described = con.execute(f"describe {model.table}").fetchall()
    names = [r[0] for r in described]
    for column, text in model.columns.items():
        if column in names:
            con.execute(
                f"comment on column {model.table}.{quote_identifier(column)} is '{_escape(text)}'"
            )
    undocumented = [n for n in names if n not in model.columns]
    if model.schema == "marts" and undocumented:
        raise ModelError(
            f"{model.path}: published columns need a description in the header: "
            f"{', '.join(undocumented)}"
        )
    return describe_model(con, model)


def describe_model(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[str, object]:
    """Row count, schema and a preview of a model's table, for Dagster's metadata."""
    described = con.execute(f"describe {model.table}").fetchall()
    names = [r[0] for r in described]
    undocumented = [n for n in names if n not in model.columns]
    count = con.execute(f"select count(*) from {model.table}").fetchall()[0]
    preview = con.execute(f"select * from {model.table} limit 5").fetchall()
    return {
        "dagster/row_count": int(count[0]) if count else 0,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(r[0], r[1].lower(), description=model.columns.get(r[0]))
                for r in described
            ]
        ),
        "preview": dg.MetadataValue.md(_markdown(names, preview)),
        "undocumented_columns": ", ".join(undocumented) or "none",
    }


Prepare = Callable[[duckdb.DuckDBPyConnection, Settings], None]


def build_sql_assets(
    models: list[SqlModel], upstream_keys: Mapping[str, dg.AssetKey], prepare: Prepare
) -> list[dg.AssetsDefinition]:
    """One subsettable multi-asset holding every model; `prepare` runs first on the connection
    (run parameters, empty tables for sources not ingested yet). Tables that are not assets
    (`meta.parametres`) are read but are not dependencies."""
    if not models:
        return []
    keys = {**upstream_keys, **{m.table: m.asset_key for m in models}}
    specs = [
        dg.AssetSpec(
            key=m.asset_key,
            deps=[keys[d] for d in sorted(m.deps) if d in keys],
            description=f"{m.description}\n\nGrain: {m.grain}",
            group_name=m.schema,
            owners=["team:observatory"],
            kinds={"duckdb", "sql"},
            skippable=True,
            metadata={
                "table": m.table,
                "grain": m.grain,
                "sql_path": m.path.relative_to(m.path.parent.parent.parent).as_posix(),
                "sql": dg.MetadataValue.md(f"```sql\n{m.sql}\n```"),
            },
        )
        for m in models
    ]

    @dg.multi_asset(specs=specs, can_subset=True, pool=WRITER_POOL, name="sql_models")
    def sql_models(
        context: AssetExecutionContext, observatory: ObservatoryResource
    ) -> Iterator[dg.MaterializeResult]:
        selected = [m for m in models if m.asset_key in context.selected_asset_keys]
        settings = observatory.settings()
        with writer(settings) as con:
            prepare(con, settings)
            stored = _states(con)
            shared = _context(con, settings)
            fingerprints: dict[str, str] = {}
            for model in selected:
                inputs = [
                    fingerprints.get(d) or stored.get(d) or _source_token(con, d)
                    for d in sorted(model.deps)
                ]
                fingerprint = _sha(model.sql, shared, *inputs)
                fingerprints[model.table] = fingerprint
                if stored.get(model.table) == fingerprint and table_exists(con, model.table):
                    context.log.info(f"{model.table}: unchanged (same SQL and inputs)")
                    metadata = {**describe_model(con, model), "rebuilt": False}
                else:
                    context.log.info(f"building {model.table}")
                    metadata = {**run_model(con, model), "rebuilt": True}
                    con.execute(
                        f"insert or replace into {STATE_TABLE} values (?, ?, current_timestamp)",
                        [model.table, fingerprint],
                    )
                yield dg.MaterializeResult(asset_key=model.asset_key, metadata=metadata)

    return [sql_models]
