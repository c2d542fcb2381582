"""The synthetic France of the benchmark and the writers of its official-format files.

`geography` draws communes, their history and (with `zonings`) their zonings; `bpe` and `sante`
draw facilities and the health workforce; `territoires`, `zonages`, `bpe` and `sante` write the
files; `files` and `xlsx` write large CSV, zips and workbooks fast and byte-stable; `reference`
holds the real aggregates the synthetic France is shaped on.
"""
