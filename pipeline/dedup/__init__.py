"""Duplicate removal: the building blocks that the job's dedup barrier runs, as plain functions on
Arrow tables and numpy arrays (no executor, no Ray).

In the order a job uses them:

1. per document, in the extraction pass: `text.normalise` the text, keep `text.text_hash` for the
   exact pass and `minhash.Signer.sign_normalised` for the signature (`minhash.signature_column`
   stores it with the document);
2. exact passes, one exchange each (`exact`): same canonical URL keeps the latest capture, same
   normalised text keeps the earliest;
3. LSH as a join (`buckets`): `bucket_rows` (map, partitioned by band key) then `bucket_edges`
   (reduce per partition) give verified edges;
4. connected components (`components`): `star_rows` / `star_reduce` rounds until `changes` is 0
   for a large-star round and the small-star round after it; `components.duplicates` turns the
   result into the removal table.

Every document is known by its node key (`keys.node_key`), which sorts by capture time, then
doc id, so the representative of a cluster is its smallest key: the earliest capture, then the
smallest doc id, whatever the number of workers, partitions or blocks. The row schemas are in
`schema`.
"""
