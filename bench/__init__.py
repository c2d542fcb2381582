"""Benchmarks of the observatory at the scale of France (issue 8).

`python -m bench.generate --scale S --out DIR` writes national-scale synthetic inputs in the
official formats (drawn by `bench.synthetic`); DIR is then a catalog folder the pipeline builds
in sample mode (`OBSERVATORY_CATALOG_DIR=DIR observatory --home HOME build`). Generated data
goes under /tmp or bench/out/ (git-ignored), never into the repository.
"""
