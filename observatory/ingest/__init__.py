"""Ingestion: one dataset-millésime from its official file to its raw table.

- inputs.py: where each dataset-millésime comes from in the active source mode;
- load.py: obtain the file (download, unzip, sniff), parse it, replace its rows in the raw table;
- manual.py: `observatory ingest --file`, a file downloaded by hand; `observatory forget`;
- recognise.py: whether a file by hand is that dataset-millésime's (name, formats, rows, not
  the sample's) and whether its millésime is plausible;
- territoires.py: the territories a user defines, from their CSV file;
- releases.py: ask the remote sources whether they published something new.

The same functions serve the command line and Dagster, so a file ingested by hand goes through
exactly the code a download does.
"""


class IngestError(RuntimeError):
    """An input could not be ingested; the warehouse and the cache are unchanged."""

    def __init__(self, message: str, millesime: int | None = None) -> None:
        super().__init__(message)
        self.millesime = millesime
