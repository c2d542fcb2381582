"""Write-audit-publish: copy the audited tables into a new edition, then switch to it atomically.

Analysts and dashboards open only the published file, read-only; the working warehouse is the
writer's. Each publication is an *edition*, a folder written once and never modified:

    published/
      observatory.duckdb        the current edition's database (a hard link to it)
      current -> editions/<id>  the current edition's folder (Parquet files, manifest)
      editions/<id>/observatory.duckdb
      editions/<id>/parquet/<schema>/<table>.parquet
      editions/<id>/manifest.json
      editions/<id>/datapackage.json   the Parquet files as a Frictionless Data Package

An edition is built under a hidden name (`editions/.building-<id>`), renamed to its final name
once complete, and only then made current by renaming a new link over `observatory.duckdb` (one
`os.replace`). A reader that opened the previous file keeps reading that complete edition (the
rename does not touch its inode, and editions are never rewritten), and a refresh that fails or
is killed at any point leaves the current edition in place; its leftovers are removed by the next
publication. A crash between the two renames (the file's, then the `current` link's) leaves
`current/` on the previous edition: the next publication, even one that keeps the edition
unchanged, points it at the published file's edition again (and `observatory editions` warns
until then). The previous editions are kept (OBSERVATORY_PUBLISHED_EDITIONS_KEPT) so that
`observatory rollback` can switch back to one in the same way.

- editions.py: the editions on disk: paths, manifests, which one is current, switching to one,
  pruning, verifying, rolling back;
- writing.py: writing a new edition from the working warehouse and making it current;
- datapackage.py: the edition's Parquet files, sources and licences as a Data Package.
"""


class PublicationError(RuntimeError):
    """A publication or a rollback cannot be done as asked (unknown edition, damaged files)."""
