"""The same `Sheet`s encoded by openpyxl: the encoding of the committed sample's workbooks.

`xlsx.write` and openpyxl write equivalent workbooks (same sheets, cells, formats, autofilter)
as different XML. The bundled sample (`assets/sample`) is committed and must be regenerated
byte for byte, and its workbooks were written by openpyxl; so the sample describes its workbooks
with `xlsx.Sheet`, like the national generator, and encodes them here. Switching the sample to
`xlsx.to_bytes` (and committing the regenerated sample) would retire this module.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from observatory.formats.archive import zip_bytes
from observatory.formats.xlsx import NUMBER_FORMATS, Sheet, letters

WORKBOOK_TIME = datetime.datetime(2025, 12, 26, 9, 0, 0)
"""Created/modified date of every workbook: openpyxl would stamp "now"."""
CREATOR = "observatory sample"


def _fill(sheet, spec: Sheet) -> None:
    for number, row in enumerate(spec.rows, start=1):
        sheet.append(list(row))
        if number < spec.styled_from:
            continue
        for column in sorted(spec.column_styles):
            if column < len(row) and row[column] is not None:
                style = NUMBER_FORMATS[spec.column_styles[column]]
                sheet.cell(row=number, column=column + 1).number_format = style
    if spec.trailing_text_row:
        last = sheet.max_row + 1
        for column in range(1, spec.trailing_text_row + 1):
            sheet.cell(row=last, column=column).number_format = NUMBER_FORMATS[2]
    if spec.autofilter and spec.rows:
        width = max(max(len(r) for r in spec.rows), spec.trailing_text_row, 1)
        sheet.auto_filter.ref = f"A1:{letters(width - 1)}{len(spec.rows)}"


def openpyxl_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook of `sheets` as .xlsx bytes, with fixed document and zip member dates."""
    workbook = Workbook()
    for index, spec in enumerate(sheets):
        if index == 0:
            sheet = workbook.active
            sheet.title = spec.name
        else:
            sheet = workbook.create_sheet(spec.name)
        _fill(sheet, spec)
    workbook.properties.creator = CREATOR
    workbook.properties.created = WORKBOOK_TIME
    workbook.properties.modified = WORKBOOK_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()  # save_workbook() would stamp "now"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return zip_bytes(members)
