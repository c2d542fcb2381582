"""The error every reader of official files raises: what failed, where, and as which check.

Its own module so that the readers (tabular.py) and the encoding checks (encodings.py) raise the
same error without importing each other."""

from __future__ import annotations


class ParseError(ValueError):
    """The file cannot be read as the catalog describes it; the message says where and why.

    `check` and `column` say which validation failed on which column, so the refusal is also
    recorded with the validation results (`columns_present`, `file_readable`)."""

    def __init__(self, message: str, *, check: str = "file_readable", column: str = "") -> None:
        super().__init__(message)
        self.check = check
        self.column = column
