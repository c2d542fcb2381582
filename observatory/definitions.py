"""The Dagster code location (workspace.yaml): everything is assembled in observatory.defs."""

import dagster as dg

from observatory import defs as observatory_defs


@dg.definitions
def defs() -> dg.Definitions:
    return observatory_defs.assemble()
