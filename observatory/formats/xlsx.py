"""The xlsx writer: workbooks described as `Sheet`s, written directly as XML.

Every official workbook the generators imitate (DGCL's epcicom, INSEE's table d'appartenance
and BPE gammes, DREES's physicians) is a few sheets of rows with, at most, a thousands format on
some columns, text-formatted codes and an autofilter: `Sheet` describes exactly that, and both
generators describe their workbooks with it.

Why not openpyxl: even in write-only mode (and without lxml, which the project does not depend
on) it is far too slow for the national DREES workbook (millions of cells). A worksheet is
plain XML: written here directly, strings in a shared-string table as Excel and the official
files do, text codes as text, numbers as numbers, a style for `#,##0` and one for text (`@`).
openpyxl, pandas and the pipeline read the result as they read the published workbooks; dates
inside the file are fixed, so the bytes are stable. The one xlsx writer of the project: the
bundled sample and the national generator both write their workbooks here.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

from observatory.formats.archive import ZIP_TIMESTAMP
from observatory.formats.delimited import Cell

STYLE_DEFAULT, STYLE_THOUSANDS, STYLE_TEXT = 0, 1, 2
"""Cell styles: none, `#,##0` (populations in epcicom), `@` (text, INSEE's code columns)."""
NUMBER_FORMATS = {STYLE_THOUSANDS: "#,##0", STYLE_TEXT: "@"}
_CREATED = "2025-12-26T09:00:00Z"


@dataclass
class Sheet:
    """One worksheet: its rows, the style of some columns of the data rows (index -> style),
    and optionally one empty text-formatted row at the end (INSEE's sheets end with one)."""

    name: str
    rows: Sequence[Sequence[Cell]]
    column_styles: dict[int, int] = field(default_factory=dict)
    styled_from: int = 2  # first row (1-based) the column styles apply to
    trailing_text_row: int = 0  # width of the empty "@" row appended, 0 for none
    autofilter: bool = False


def letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def get(self, value: str) -> int:
        self.count += 1
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found


def _sheet_xml(sheet: Sheet, strings: _Strings) -> bytes:
    width = max((len(r) for r in sheet.rows), default=1)
    width = max(width, sheet.trailing_text_row, 1)
    columns = [letters(i) for i in range(width)]
    height = len(sheet.rows) + (1 if sheet.trailing_text_row else 0)
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{columns[-1]}{max(height, 1)}"/><sheetData>'
    ]
    styles = sheet.column_styles
    for number, row in enumerate(sheet.rows, start=1):
        cells = []
        styled = number >= sheet.styled_from
        for column, value in enumerate(row):
            if value is None:
                continue
            ref = f"{columns[column]}{number}"
            style = styles.get(column, 0) if styled else 0
            attr = f' s="{style}"' if style else ""
            if isinstance(value, str):
                cells.append(f'<c r="{ref}"{attr} t="s"><v>{strings.get(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{attr}><v>{value}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    if sheet.trailing_text_row:
        number = len(sheet.rows) + 1
        cells = "".join(
            f'<c r="{columns[c]}{number}" s="{STYLE_TEXT}"/>'
            for c in range(sheet.trailing_text_row)
        )
        parts.append(f'<row r="{number}">{cells}</row>')
    parts.append("</sheetData>")
    if sheet.autofilter and sheet.rows:
        parts.append(f'<autoFilter ref="A1:{columns[-1]}{len(sheet.rows)}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode("utf-8")


def _shared_strings(strings: _Strings) -> bytes:
    items = "".join(
        f'<si><t xml:space="preserve">{escape(s)}</t></si>'
        if s != s.strip()
        else f"<si><t>{escape(s)}</t></si>"
        for s in strings.index
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{strings.count}" uniqueCount="{len(strings.index)}">{items}</sst>'
    ).encode()


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package_parts(sheets: Sequence[Sheet]) -> list[tuple[str, str]]:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.extended-properties+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>'
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>observatory bench</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>Microsoft Excel</Application></Properties>'
    )
    sheet_list = "".join(
        f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{sheet_list}</sheets></workbook>"
    )
    n = len(sheets)
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", rels),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", _STYLES),
    ]


def write(target: Path | BinaryIO, sheets: Sequence[Sheet]) -> None:
    """Write the workbook to `target` (a path, or an open binary file)."""
    strings = _Strings()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes | str) -> None:
            # no external_attr, unlike archive.member_info: the workbooks written so far have none
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        for name, text in _package_parts(sheets):
            add(name, text)
        for number, sheet in enumerate(sheets, start=1):
            add(f"xl/worksheets/sheet{number}.xml", _sheet_xml(sheet, strings))
        add("xl/sharedStrings.xml", _shared_strings(strings))


def to_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as bytes (the bundled sample's files, or a member of a zip)."""
    buffer = io.BytesIO()
    write(buffer, sheets)
    return buffer.getvalue()
