"""Tests of observatory.sources.tabular and observatory.sources.populations.

Files are written into tmp_path and read into an in-memory DuckDB; the populations parser is also
run on the real INSEE extracts in ../shared (never copied into the repository).
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from pathlib import Path

import duckdb
import pytest

from observatory.catalog import Column, ReadOptions, load_dataset
from observatory.sources.columns import column_expressions, match_columns
from observatory.sources.errors import ParseError
from observatory.sources.populations import column_expressions_populations
from observatory.sources.tabular import FILE_TABLE, read_file
from observatory.warehouse import quote_identifier

REPOSITORY = Path(__file__).resolve().parent.parent
REAL_POPULATIONS = (
    REPOSITORY.parent / "shared" / "data" / "real" / "datagouv_decoupage_administratif_sources"
)
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

CSV = ReadOptions(format="csv", separator=";", encoding="utf-8")


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def rows_of(con: duckdb.DuckDBPyConnection, order: str = "_source_row") -> list[tuple]:
    return con.execute(f"select * from {FILE_TABLE} order by {order}").fetchall()


def types_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"describe {FILE_TABLE}").fetchall()}


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_codes_quotes_crlf_and_empty_cells(tmp_path: Path, con) -> None:
    lines = [
        "CODGEO;LIBGEO;POP;DEP",
        '01001;"L\'Abergement; dit ""Clémenciat""";779;01',
        "2A004;Ajaccio;;2A",
        '00100;"";0012;01',
        "97101;Les Abymes;52948;971",
    ]
    path = tmp_path / "communes.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    read = read_file(con, path, "csv", CSV, "test")
    assert read.headers == ["CODGEO", "LIBGEO", "POP", "DEP"]
    assert read.rows == 4
    assert read.header_line == 1
    assert set(types_of(con).values()) == {"VARCHAR", "BIGINT"}
    assert types_of(con)["CODGEO"] == "VARCHAR"
    assert types_of(con)["_source_row"] == "BIGINT"
    rows = rows_of(con)
    assert [r[0] for r in rows] == ["01001", "2A004", "00100", "97101"]
    assert rows[0][1] == 'L\'Abergement; dit "Clémenciat"'
    assert rows[1][2] is None  # empty cell
    assert rows[2][2] == "0012"  # leading zeros kept
    assert [r[3] for r in rows] == ["01", "2A", "01", "971"]
    assert rows[3][2] == "52948"
    # _source_row is the line number of the row in the file (header on line 1)
    assert [r[-1] for r in rows] == [2, 3, 4, 5]
    # no carriage return leaks into the last column
    assert all("\r" not in (v or "") for r in rows for v in r[:-1])


def test_csv_header_row_below_title_lines(tmp_path: Path, con) -> None:
    lines = [
        "Populations légales 2021",
        "Source : INSEE;;;",
        "CODGEO;LIBGEO;PMUN",
        "01001;L'Abergement-Clémenciat;832",
        "2B033;Bastia;48503",
    ]
    path = tmp_path / "titled.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    options = CSV.model_copy(update={"header_row": 3})
    read = read_file(con, path, "csv", options, "test")
    assert read.headers == ["CODGEO", "LIBGEO", "PMUN"]
    assert read.header_line == 3
    expected = [
        (*line.split(";"), number) for number, line in enumerate(lines, start=1) if number > 3
    ]
    assert rows_of(con) == expected


def test_csv_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path, con) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffCODGEO;PMUN\n01001;779\n".encode())
    read = read_file(con, path, "csv", CSV, "test")
    assert read.headers == ["CODGEO", "PMUN"]
    assert rows_of(con) == [("01001", "779", 2)]


def test_csv_source_row_order_survives_a_large_file(tmp_path: Path, con) -> None:
    """Parallel CSV reading must not reorder rows: `_source_row` is a line number."""
    total = 300_000
    path = tmp_path / "large.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id;code;label\r\n")
        handle.writelines(f"{n};{n % 97:05d};row {n}\r\n" for n in range(2, total + 2))
    read = read_file(con, path, "csv", CSV, "test")
    assert read.rows == total
    (wrong,) = con.execute(
        f"select count(*) from {FILE_TABLE} where _source_row <> cast(id as bigint)"
    ).fetchone()
    assert wrong == 0
    (first, last) = con.execute(
        f"select min(_source_row), max(_source_row) from {FILE_TABLE}"
    ).fetchone()
    assert (first, last) == (2, total + 1)


def test_latin1_file_declared_utf8_is_an_encoding_error(tmp_path: Path, con) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("CODGEO;LIBGEO\n01001;Région\n".encode("latin-1"))
    with pytest.raises(ParseError) as info:
        read_file(con, path, "csv", CSV, "insee_x 2024")
    message = str(info.value)
    assert "latin.csv" in message
    assert "insee_x 2024" in message
    assert "utf-8" in message.lower()
    assert "latin-1" in message  # what the file probably is


def test_latin1_byte_far_into_a_utf8_file_names_the_line(tmp_path: Path, con) -> None:
    lines = ["CODGEO;LIBGEO"] + [f"{n:05d};Commune" for n in range(3000)]
    path = tmp_path / "late.csv"
    bad_line = len(lines) + 1
    path.write_bytes(("\n".join(lines) + "\n").encode() + "99999;Région\n".encode("latin-1"))
    with pytest.raises(ParseError) as info:
        read_file(con, path, "csv", CSV, "test")
    message = str(info.value)
    assert "late.csv" in message
    assert "utf-8" in message.lower()
    assert re.search(rf"\b{bad_line}\b", message), message


def test_latin1_file_declared_latin1(tmp_path: Path, con) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("CODGEO;LIBGEO\n01001;Région Île\n".encode("latin-1"))
    read_file(con, path, "csv", CSV.model_copy(update={"encoding": "latin-1"}), "test")
    assert rows_of(con) == [("01001", "Région Île", 2)]


def test_cp1252_euro_sign(tmp_path: Path, con, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = tmp_path / "cp1252.csv"
    data = "CODGEO;TARIF;NOTE\r\n01001;5 €;œuvre\r\n01002;12 €;l’été\r\n".encode("cp1252")
    assert data.count(b"\x80") == 2  # the euro sign really is 0x80
    path.write_bytes(data)
    read_file(con, path, "csv", CSV.model_copy(update={"encoding": "cp1252"}), "test")
    assert rows_of(con) == [("01001", "5 €", "œuvre", 2), ("01002", "12 €", "l’été", 3)]
    assert list(scratch.iterdir()) == []  # the transcoded copy is removed


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_cp1252_read_does_not_leak_file_descriptors(tmp_path: Path, con) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes("CODGEO;TARIF\n01001;5 €\n".encode("cp1252"))
    options = CSV.model_copy(update={"encoding": "cp1252"})
    read_file(con, path, "csv", options, "test")  # warm up DuckDB's own descriptors
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        read_file(con, path, "csv", options, "test")
    assert len(os.listdir("/proc/self/fd")) <= before


def test_invalid_cp1252_byte_position_is_right_in_a_large_file(tmp_path: Path, con) -> None:
    lines = ["CODGEO;NOM"] + [f"{n % 100000:05d};name" for n in range(250_000)]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    offset = len(data) + len(b"99999;")
    bad_line = len(lines) + 1
    data += b"99999;\x81bad\r\n"  # 0x81 is undefined in cp1252
    path = tmp_path / "big1252.csv"
    path.write_bytes(data)
    with pytest.raises(ParseError) as info:
        read_file(con, path, "csv", CSV.model_copy(update={"encoding": "cp1252"}), "test")
    message = str(info.value)
    assert "big1252.csv" in message
    assert f"byte {offset}" in message or f"line {bad_line}" in message, message


def test_unknown_encoding_is_a_parse_error(tmp_path: Path, con) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"CODGEO\n01001\n")
    with pytest.raises(ParseError) as info:
        read_file(con, path, "csv", CSV.model_copy(update={"encoding": "klingon"}), "test")
    assert "x.csv" in str(info.value)
    assert "klingon" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        "01001;a\n01002;b;extra\n01003;c\n",  # too many fields on line 3
        "01001;a\n01002\n01003;c\n",  # too few fields on line 3
    ],
)
def test_ragged_row_is_a_parse_error(tmp_path: Path, con, body: str) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("CODGEO;LIBGEO\n" + body, encoding="utf-8")
    with pytest.raises(ParseError) as info:
        read_file(con, path, "csv", CSV, "insee_x 2024")
    message = str(info.value)
    assert "ragged.csv" in message
    assert "insee_x 2024" in message
    assert re.search(r"\bline 3\b", message), message
    assert "encoding" not in message.lower()  # not blamed on the encoding


def test_source_row_counts_records_after_the_header(tmp_path: Path, con) -> None:
    """The documented meaning: header line + record number (a value spanning two lines and a
    skipped blank line do not add to it), so it is the line number in ordinary files."""
    path = tmp_path / "multiline.csv"
    path.write_text(
        'CODGEO;ADRESSE\n01001;"1 rue A\nbâtiment B"\n\n01002;2 rue C\n', encoding="utf-8"
    )
    read_file(con, path, "csv", CSV, "test")
    assert rows_of(con) == [("01001", "1 rue A\nbâtiment B", 2), ("01002", "2 rue C", 3)]


def test_unknown_format(tmp_path: Path, con) -> None:
    path = tmp_path / "x.ods"
    path.write_bytes(b"whatever")
    with pytest.raises(ParseError, match=r"x\.ods.*'ods'"):
        read_file(con, path, "ods", CSV, "test")


# --- xlsx ---------------------------------------------------------------------------------------


def _workbook(path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "COM"
    sheet["A1"] = "Table d'appartenance géographique des communes"
    sheet["A2"] = "Source : Insee"
    # row 3 left empty; header on row 5 (row 4 is another title)
    sheet["A4"] = "Mise à jour 2024"
    sheet.append(["CODGEO", "LIBGEO", "POP", "PART", "DEP"])  # row 5
    sheet.append(["01001", "L'Abergement-Clémenciat", 832, 0.25, "01"])  # row 6
    sheet.append(["2A004", "Ajaccio", 73822.0, 1.5, "2A"])  # row 7
    sheet.append([None, None, None, None, None])  # row 8: blank line inside the data
    sheet.append(["97101", "Les Abymes", 52118, 2, 971])  # row 9
    sheet["A11"] = "   "  # trailing rows holding only blanks
    sheet["B12"] = ""
    other = workbook.create_sheet("ARM")
    other.append(["CODGEO", "LIBGEO"])
    other.append(["75101", "Paris 1er Arrondissement"])
    workbook.save(path)


def test_xlsx_header_marker_numbers_and_source_rows(tmp_path: Path, con) -> None:
    path = tmp_path / "table.xlsx"
    _workbook(path)
    options = ReadOptions(format="xlsx", header_marker="codgeo")
    read = read_file(con, path, "xlsx", options, "test")
    assert read.headers == ["CODGEO", "LIBGEO", "POP", "PART", "DEP"]
    assert read.header_line == 5
    assert read.rows == 3  # blank rows dropped
    assert set(types_of(con).values()) == {"VARCHAR", "BIGINT"}
    assert rows_of(con) == [
        ("01001", "L'Abergement-Clémenciat", "832", "0.25", "01", 6),
        ("2A004", "Ajaccio", "73822", "1.5", "2A", 7),
        ("97101", "Les Abymes", "52118", "2", "971", 9),
    ]


def test_xlsx_named_sheet_and_header_row(tmp_path: Path, con) -> None:
    path = tmp_path / "table.xlsx"
    _workbook(path)
    options = ReadOptions(format="xlsx", sheet="ARM", header_row=1)
    read = read_file(con, path, "xlsx", options, "test")
    assert read.headers == ["CODGEO", "LIBGEO"]
    assert rows_of(con) == [("75101", "Paris 1er Arrondissement", 2)]


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path: Path, con) -> None:
    path = tmp_path / "table.xlsx"
    _workbook(path)
    with pytest.raises(ParseError) as info:
        read_file(con, path, "xlsx", ReadOptions(format="xlsx", sheet="Communes"), "test")
    message = str(info.value)
    assert "table.xlsx" in message
    assert "Communes" in message
    assert "COM" in message and "ARM" in message


def test_xlsx_missing_header_marker(tmp_path: Path, con) -> None:
    path = tmp_path / "table.xlsx"
    _workbook(path)
    with pytest.raises(ParseError, match=r"table\.xlsx.*CODE_INSEE"):
        read_file(con, path, "xlsx", ReadOptions(format="xlsx", header_marker="CODE_INSEE"), "t")


def test_xlsx_damaged_file(tmp_path: Path, con) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ParseError, match=r"broken\.xlsx"):
        read_file(con, path, "xlsx", ReadOptions(format="xlsx"), "test")


# --- parquet and json ---------------------------------------------------------------------------


TYPED_SELECT = """
select * from (values
    ('01001', 42, 1.5::double, {'a': 1, 'b': 'z'}, [1, 2], date '2024-01-02'),
    ('2A004', 7, 0.25::double, {'a': 2, 'b': 'y'}, [3], date '2023-12-31')
) as t(code, n, x, s, l, d)
"""


def test_parquet_every_column_is_text(tmp_path: Path, con) -> None:
    path = tmp_path / "typed.parquet"
    con.execute(f"copy ({TYPED_SELECT}) to '{path}' (format parquet)")
    read = read_file(con, path, "parquet", ReadOptions(format="parquet"), "test")
    assert read.headers == ["code", "n", "x", "s", "l", "d"]
    assert read.rows == 2
    types = types_of(con)
    assert {types[h] for h in read.headers} == {"VARCHAR"}
    rows = rows_of(con)
    assert [r[:3] for r in rows] == [("01001", "42", "1.5"), ("2A004", "7", "0.25")]
    assert [json.loads(r[3]) for r in rows] == [{"a": 1, "b": "z"}, {"a": 2, "b": "y"}]
    assert [json.loads(r[4]) for r in rows] == [[1, 2], [3]]
    assert [r[5] for r in rows] == ["2024-01-02", "2023-12-31"]
    assert [r[6] for r in rows] == [1, 2]


def test_json_every_column_is_text_and_nested_values_are_json(tmp_path: Path, con) -> None:
    path = tmp_path / "typed.json"
    con.execute(f"copy ({TYPED_SELECT}) to '{path}' (format json)")
    read = read_file(con, path, "json", ReadOptions(format="json"), "test")
    assert read.rows == 2
    types = types_of(con)
    assert {types[h] for h in read.headers} == {"VARCHAR"}
    rows = {r[0]: r for r in rows_of(con)}
    assert set(rows) == {"01001", "2A004"}
    index = {h: i for i, h in enumerate(read.headers)}
    assert rows["01001"][index["n"]] == "42"
    assert json.loads(rows["01001"][index["s"]]) == {"a": 1, "b": "z"}
    assert json.loads(rows["2A004"][index["l"]]) == [3]


def test_json_strings_come_back_exactly(tmp_path: Path, con) -> None:
    values = {"code": "01001", "horodatage": "2024-01-02T10:00:00", "dep": "2A"}
    path = tmp_path / "strings.json"
    path.write_text(json.dumps([values]), encoding="utf-8")
    read = read_file(con, path, "json", ReadOptions(format="json"), "test")
    (row,) = rows_of(con)
    assert dict(zip(read.headers, row[:-1], strict=True)) == values


def test_unreadable_parquet_is_a_parse_error(tmp_path: Path, con) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ParseError, match=r"bad\.parquet"):
        read_file(con, path, "parquet", ReadOptions(format="parquet"), "test")


# --- match_columns ------------------------------------------------------------------------------


def test_match_columns_is_lenient() -> None:
    columns = [
        Column(name="code_region"),
        Column(name="libelle_commune"),
        Column(name="pop_totale"),
    ]
    headers = ["\ufeffCode Région", "LIBELLÉ COMMUNE", " Pop. totale "]
    matched = match_columns(columns, headers, label="test", file_name="f.csv")
    assert matched == {
        "code_region": "\ufeffCode Région",
        "libelle_commune": "LIBELLÉ COMMUNE",
        "pop_totale": " Pop. totale ",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["REG", "CODREG", "DEP"], "CODREG"),  # the first alias wins, wherever it is
        (["CODREG", "REG", "DEP"], "CODREG"),
        (["REG", "DEP"], "REG"),
        (["Code_Region", "CODREG", "REG", "dep"], "Code_Region"),  # the column's own name first
    ],
)
def test_match_columns_alias_preference(headers: list[str], expected: str) -> None:
    columns = [Column(name="code_region", aliases=("CODREG", "REG")), Column(name="dep")]
    matched = match_columns(columns, headers, label="test", file_name="f.csv")
    assert matched["code_region"] == expected
    assert matched["dep"] == ("dep" if "dep" in headers else "DEP")


def test_match_columns_missing_required_lists_headers_found() -> None:
    columns = [
        Column(name="code_departement", aliases=("CODDEP", "DEP")),
        Column(name="pmun", aliases=("PMUN",)),
        Column(name="pcap", required=False),
    ]
    headers = ["REG", "CODGEO", "PMUN"]
    with pytest.raises(ParseError) as info:
        match_columns(columns, headers, label="insee_x 2020", file_name="donnees.csv")
    message = str(info.value)
    assert "donnees.csv" in message and "insee_x 2020" in message
    assert "code_departement" in message
    assert "CODDEP" in message and "DEP" in message  # what was expected
    for header in headers:
        assert header in message  # what was found
    assert "pcap" not in message  # optional: not reported missing


def test_match_columns_missing_optional_maps_to_none() -> None:
    columns = [Column(name="com"), Column(name="pcap", required=False)]
    matched = match_columns(columns, ["COM", "PMUN"], label="t", file_name="f.csv")
    assert matched == {"com": "COM", "pcap": None}


def test_generic_expressions_trim_and_null(tmp_path: Path, con) -> None:
    path = tmp_path / "x.csv"
    path.write_text("CODGEO;LIBGEO\n 01001 ;  \n2A004;Ajaccio\n", encoding="utf-8")
    read = read_file(con, path, "csv", CSV, "test")
    dataset = load_dataset(REPOSITORY / "assets" / "insee" / "cog_regions.yaml")
    fake = dataset.model_copy(
        update={
            "columns": (
                Column(name="codgeo"),
                Column(name="libgeo"),
                Column(name="absent", required=False),
            )
        }
    )
    matched = match_columns(fake.columns, read.headers, label="t", file_name=path.name)
    assert matched == {"codgeo": "CODGEO", "libgeo": "LIBGEO", "absent": None}
    select = ", ".join(
        f"{expr} as {quote_identifier(name)}" for name, expr in column_expressions(fake, matched)
    )
    rows = con.execute(f"select {select} from {FILE_TABLE} order by _source_row").fetchall()
    assert rows == [("01001", None, None), ("2A004", "Ajaccio", None)]


# --- populations, on the real extracts ----------------------------------------------------------


def _real_file(year: int) -> Path:
    if not REAL_POPULATIONS.is_dir():
        pytest.skip(f"{REAL_POPULATIONS} is not beside the repository")
    path = REAL_POPULATIONS / f"insee_pop_legales_{year}_communes.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def _stage_populations(con: duckdb.DuckDBPyConnection, path: Path, year: int) -> list[dict]:
    """The SELECT observatory.ingest._stage builds, run on one real file."""
    dataset = load_dataset(REPOSITORY / "assets" / "insee" / "populations_reference.yaml")
    label = f"{dataset.id} {year}"
    read = read_file(con, path, file_format="csv", options=dataset.read_options(year), label=label)
    matched = match_columns(dataset.columns, read.headers, label=label, file_name=path.name)
    expressions = column_expressions_populations(dataset, matched)
    assert [name for name, _ in expressions] == dataset.raw_columns
    select = ", ".join(f"{expr} as {quote_identifier(name)}" for name, expr in expressions)
    cursor = con.execute(
        f"select {select}, _source_row as source_row from {FILE_TABLE} order by _source_row"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _python_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023])
def test_populations_real_extracts(con, year: int) -> None:
    path = _real_file(year)
    staged = _stage_populations(con, path, year)
    source = _python_rows(path)
    with path.open("rb") as handle:
        line_count = sum(1 for _ in handle)

    assert len(staged) == line_count - 1 == len(source)
    codes = [r["code_commune"] for r in staged]
    bad = [c for c in codes if c is None or not COMMUNE_CODE.match(c)]
    assert bad == []
    assert len(set(codes)) == len(codes)
    assert sum(int(r["pmun"]) for r in staged) == sum(int(r["PMUN"]) for r in source)
    assert sum(int(r["ptot"]) for r in staged) == sum(int(r["PTOT"]) for r in source)
    assert [r["source_row"] for r in staged] == list(range(2, line_count + 1))

    name_column = {2019: None, 2020: "COM"}.get(year, "Commune")
    if name_column is None:  # 2019 has no name column
        assert all(r["libelle_commune"] is None for r in staged)
    else:
        # row i of the file (line i + 2) is staged row i
        assert [r["libelle_commune"] for r in staged] == [r[name_column] for r in source]
    if year != 2020:  # COM is the commune code in every edition but 2020
        assert codes == [r["COM"] for r in source]


def test_populations_2020_rebuilds_codes_from_department_and_number(con) -> None:
    path = _real_file(2020)
    staged = _stage_populations(con, path, 2020)

    def code_of(name: str, departement: str) -> list[str]:
        return [
            r["code_commune"]
            for r in staged
            if r["libelle_commune"] == name and r["code_departement"] == departement
        ]

    assert code_of("L'Abergement-Clémenciat", "01") == ["01001"]
    assert code_of("Les Abymes", "971") == ["97101"]
    assert code_of("Ajaccio", "2A") == ["2A004"]
    assert code_of("Bastia", "2B") == ["2B033"]
    # the 2020 COM column holds names, never codes
    assert not any(COMMUNE_CODE.match(r["com"]) for r in staged)
    # Corsica and overseas: the département part of the code comes from CODDEP
    corsica = [r["code_commune"] for r in staged if r["code_departement"] in ("2A", "2B")]
    assert corsica and all(c[:2] in ("2A", "2B") for c in corsica)
    overseas = [r for r in staged if len(r["code_departement"]) == 3]
    assert overseas and all(r["code_commune"][:3] == r["code_departement"] for r in overseas)
