"""Writers of the official French file formats (INSEE, DGCL, ANS, ameli, DREES, La Poste).

Both generators, the bundled sample (`observatory.sample`) and the national one
(`bench.synthetic`), write their files through this package; they differ only in the world
they describe. It imports nothing else from `observatory`.
"""
