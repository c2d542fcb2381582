"""Tests of observatory.formats, the official-format writers both generators write through.

Each test checks a property of the published formats (a reference value, what a reader gets
back), not the bytes of a generated file: those are checked by test_sample (the committed
sample) and by regenerating the national world.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from observatory.formats import xlsx
from observatory.formats.appartenance import TAGC_CODES, TAGC_LABELS, appartenance_sheets
from observatory.formats.archive import ZIP_TIMESTAMP, zip_bytes, zip_files
from observatory.formats.census import census_dictionary_csv, census_header, decimal
from observatory.formats.delimited import csv_bytes
from observatory.formats.names import cog_names, poste_name, upper_ascii
from observatory.formats.projection import lambert93, lambert93_point
from observatory.formats.siren import commune_siren, luhn_digit, siren

FORMATS = Path(__file__).resolve().parent.parent / "observatory" / "formats"


# --- Lambert-93 -----------------------------------------------------------------------------


def test_lambert93_origin_is_the_published_false_origin():
    # EPSG 2154: the projection's origin, 3° E 46.5° N, is at x = 700 000 m, y = 6 600 000 m
    assert lambert93_point(46.5, 3.0) == (700_000, 6_600_000)


def test_lambert93_is_symmetric_about_the_central_meridian():
    lat = np.array([42.0, 44.5, 46.5, 49.0, 51.0])
    east_x, east_y = lambert93(lat, np.full(5, 3.0 + 4.2))
    west_x, west_y = lambert93(lat, np.full(5, 3.0 - 4.2))
    assert np.array_equal(east_x - 700_000, 700_000 - west_x)
    assert np.array_equal(east_y, west_y)
    assert np.all(east_x > 700_000)


def test_lambert93_northing_grows_northwards_along_the_central_meridian():
    x, y = lambert93(np.array([43.0, 46.5, 50.0]), np.full(3, 3.0))
    assert list(x) == [700_000] * 3
    assert y[0] < 6_600_000 < y[2]
    # a degree of latitude is about 111 km on the ground; the projection's scale factor at
    # these latitudes stays within 0.1 % of 1
    assert (y[2] - y[1]) / 3.5 == pytest.approx(111_200, rel=0.01)


def test_lambert93_point_is_the_array_projection():
    x, y = lambert93(np.array([45.76]), np.array([4.83]))
    assert lambert93_point(45.76, 4.83) == (int(x[0]), int(y[0]))


# --- SIREN ----------------------------------------------------------------------------------


def test_luhn_digit_of_a_known_number():
    assert luhn_digit("7992739871") == "3"  # the textbook example: 79927398713 is valid


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_commune_siren_of_a_real_commune():
    # L'Abergement-Clémenciat (01001) is SIREN 210 100 012 in the SIRENE register
    assert commune_siren("01001") == 210100012
    assert str(commune_siren("2A004")).startswith("21200")


def test_sirens_pass_the_luhn_test():
    for body in ("20000000", "20012345", "99912345", "21690123"):
        assert _luhn_valid(siren(body))


# --- delimited text and names -------------------------------------------------------------------


def test_csv_bytes_quotes_only_when_needed_or_asked():
    data = csv_bytes(["A", "B"], [["x;y", None], ['say "hi"', 3]], separator=";")
    assert data == b'A;B\n"x;y";\n"say ""hi""";3\n'
    quoted = csv_bytes(["A"], [[""]], separator=",", quote_all=True, crlf=True)
    assert quoted == b'"A"\r\n""\r\n'


def test_csv_bytes_encoding_and_bom():
    assert csv_bytes(["É"], [], separator=";", encoding="latin-1") == b"\xc9\n"
    assert csv_bytes(["a"], [], separator="|", bom=True) == b"\xef\xbb\xbfa\n"


def test_names_are_spelled_as_the_cog_and_la_poste_do():
    assert cog_names("Abergement-Clémenciat", "5") == (
        "ABERGEMENT CLEMENCIAT",
        "Abergement-Clémenciat",
        "L'Abergement-Clémenciat",
    )
    assert upper_ascii("L'Île-d'Yeu") == "L ILE D YEU"
    assert poste_name("Saint-Étienne-de-Sainte-Foy") == "ST ETIENNE DE STE FOY"


# --- zips -----------------------------------------------------------------------------------


def test_zips_are_dated_and_identical_however_written(tmp_path):
    members = [("a.csv", b"x;y\n" * 1000), ("b.CSV", "é".encode())]
    first = zip_bytes(members)
    assert zip_bytes(members) == first
    zip_files(tmp_path / "same.zip", members)
    assert (tmp_path / "same.zip").read_bytes() == first
    source = tmp_path / "a.csv"
    source.write_bytes(members[0][1])
    zip_files(tmp_path / "streamed.zip", [("a.csv", source)])
    with zipfile.ZipFile(tmp_path / "streamed.zip") as archive:
        assert archive.read("a.csv") == members[0][1]
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert [i.date_time for i in archive.infolist()] == [ZIP_TIMESTAMP] * 2
        assert archive.read("b.CSV") == "é".encode()


# --- xlsx -----------------------------------------------------------------------------------

SHEETS = [
    xlsx.Sheet(
        "Données",
        [
            ["code", "libellé", "population", "part"],
            ["01001", "L'Abergement-Clémenciat", 832, 0.125],
            ["2A004", " espace & <balise> ", 12_345, None],
        ],
        column_styles={2: xlsx.STYLE_THOUSANDS},
        trailing_text_row=4,
        autofilter=True,
    ),
    xlsx.Sheet("Vide", [["seule ligne"], [], ["après une ligne vide"]]),
]


def _cells(data: bytes) -> dict[str, list[list[object]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


@pytest.fixture
def workbook_bytes() -> bytes:
    return xlsx.to_bytes(SHEETS)


def test_xlsx_cells_read_back_by_openpyxl(workbook_bytes):
    cells = _cells(workbook_bytes)
    assert list(cells) == ["Données", "Vide"]
    assert cells["Données"][:3] == [
        ["code", "libellé", "population", "part"],
        ["01001", "L'Abergement-Clémenciat", 832, 0.125],
        ["2A004", " espace & <balise> ", 12345, None],
    ]
    assert cells["Vide"] == [["seule ligne"], [None], ["après une ligne vide"]]


def test_xlsx_formats_and_autofilter(workbook_bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes))["Données"]
    assert sheet["C2"].number_format == "#,##0"
    assert sheet["C1"].number_format == "General"  # the header row is not styled
    assert [sheet.cell(row=4, column=c).number_format for c in range(1, 5)] == ["@"] * 4
    assert sheet.auto_filter.ref == "A1:D3"


def test_xlsx_cells_read_back_by_the_pipelines_reader(workbook_bytes):
    book = CalamineWorkbook.from_filelike(io.BytesIO(workbook_bytes))
    rows = book.get_sheet_by_name("Données").to_python()
    assert rows[1][:3] == ["01001", "L'Abergement-Clémenciat", 832]
    assert rows[2][1] == " espace & <balise> "


def test_xlsx_is_byte_stable(tmp_path):
    first = xlsx.to_bytes(SHEETS)
    assert xlsx.to_bytes(SHEETS) == first
    xlsx.write(tmp_path / "book.xlsx", SHEETS)  # to a file: the same bytes
    assert (tmp_path / "book.xlsx").read_bytes() == first


def test_column_letters():
    assert [xlsx.letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


# --- INSEE layouts --------------------------------------------------------------------------


def test_appartenance_sheets_have_labels_on_row_5_and_codes_on_row_6():
    com = [["01001", "L'Abergement", *["x"] * 11]]
    arm = [["69381", "Lyon 1er", *["x"] * 11, "69123"]]
    sheets = appartenance_sheets(2025, com, arm, [["DEP", "01", "Ain", 1]], "Données inventées.")
    assert [s.name for s in sheets] == [
        "COM",
        "ARM",
        "Zones_supra_communales",
        "Variables",
        "Documentation",
    ]
    first = sheets[0]
    assert first.rows[4] == [TAGC_LABELS[c][0] for c in TAGC_CODES]
    assert first.rows[5] == TAGC_CODES
    assert first.rows[6] == com[0]
    assert first.trailing_text_row == len(TAGC_CODES)
    assert sheets[1].rows[5] == [*TAGC_CODES, "COM"]
    assert ["Données inventées."] in sheets[4].rows


def test_census_header_and_dictionary_agree():
    header = census_header(2021)
    assert len(header) == 76
    assert header[:5] == ["IRIS", "COM", "TYP_IRIS", "LAB_IRIS", "P21_POP"]
    assert "C21_POP15P_CS8" in header
    lines = census_dictionary_csv(header, 2021).decode("latin-1").split("\r\n")
    assert lines[0].startswith("COD_VAR;LIB_VAR")
    assert [line.split(";")[0] for line in lines[1:-1]] == header


def test_census_decimal():
    assert decimal(806.0) == "806"
    assert decimal(-0.0) == "0"
    assert decimal(1 / 3) == "0.333333333333333"


# --- the floor ------------------------------------------------------------------------------


def test_formats_imports_nothing_else_from_observatory_nor_dagster():
    """observatory.formats is the bottom floor (pyproject's import contracts): the generators
    depend on it, never the reverse."""
    for module in sorted(FORMATS.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top != "dagster", f"{module.name} imports {name}"
                if top == "observatory":
                    assert name.startswith("observatory.formats"), f"{module.name}: {name}"
