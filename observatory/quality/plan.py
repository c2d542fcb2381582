"""What the project validates: every suite (catalog entries, model headers) and SQL check.

Built from the files alone (the catalog, the SQL models, the seeds), with no Dagster: the build's
asset checks (observatory/defs/checks.py) and `observatory validate` read the same plan, and
`observatory validate TARGET` runs a part of it (select_validations).
"""

from __future__ import annotations

import difflib

from observatory.models import ModelError
from observatory.models.project import Project, load_project
from observatory.quality.sql_checks import SqlCheck, load_sql_checks
from observatory.quality.suites import Suite, catalog_suites, model_suites
from observatory.settings import Settings


def project_suites(project: Project) -> list[Suite]:
    """Every suite: the raw tables' (catalog entries), then the models' (SQL headers)."""
    return [*catalog_suites(project.catalog), *model_suites(project.models)]


def project_sql_checks(settings: Settings, project: Project) -> list[SqlCheck]:
    """Every SQL check of the project (generic ones included), each guarding one of its
    tables."""
    return load_sql_checks(settings.sql_dir, project.upstream, project.models)


def validation_plan(settings: Settings) -> tuple[list[Suite], list[SqlCheck]]:
    """Every validation suite and SQL check of the project, for `observatory validate`."""
    project = load_project(settings)
    return project_suites(project), project_sql_checks(settings, project)


def select_validations(
    suites: list[Suite], checks: list[SqlCheck], target: str | None
) -> tuple[list[Suite], list[SqlCheck]]:
    """What `observatory validate TARGET` runs: a catalog id, a table (`marts.population`), a
    schema (`marts`), or everything; an unknown target names the closest ones."""
    if not target:
        return suites, checks
    wanted = target.strip().lower().replace("/", ".")
    chosen = [s for s in suites if wanted in (s.dataset, s.table, s.table.split(".")[0])]
    chosen_checks = [c for c in checks if wanted in (c.asset, c.asset.split(".")[0])]
    chosen_checks += [c for c in checks if c.name == wanted]
    ids = {s.dataset for s in chosen}
    chosen_checks += [
        c for c in checks if c.asset in {s.table for s in chosen} and c.asset not in ids
    ]
    if not chosen and not chosen_checks:
        names = sorted(
            {s.dataset for s in suites} | {s.table for s in suites} | {c.asset for c in checks}
        )
        close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ModelError(f"nothing to validate for {target!r}{hint}")
    return chosen, list(dict.fromkeys(chosen_checks))
