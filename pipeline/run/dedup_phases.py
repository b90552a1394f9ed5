"""The dedup barrier as phases of a job's plan: keys, components rounds, assignment.

After the documents phase has staged every chunk (with each document's text hash and signature):

1. `Exchange` "dedup keys": URL, text-hash and band rows of every document meet by key; each
   partition persists URL duplicates and verified edges (`pipeline/dedup/exchange.py`); with the
   MinHash pass, the members of its shared buckets wait for their signatures, which
   `Exchange` "dedup buckets" brings them before each partition verifies its buckets;
2. `Rounds` "dedup components": large-star / small-star rounds over the edges until nothing
   changes (`pipeline/dedup/rounds.py`); skipped at once when there are no edges;
3. `Exchange` "dedup assign": nodes meet their roots and URL facts, components their members,
   chunks their facts; the dedup rules decide and the chunk goes on (`pipeline/dedup/assign.py`).

The chain that ends step 3 is the caller's (`finish`): stage the chunk again for the image
stage, or write it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from weft.pipeline.dedup.assign import (
    CLUSTERS_STEP, AttachDedup, AuditDuplicates, Clusters, DocRows, EdgeRows, JoinNodes, UrlRows,
)
from weft.pipeline.dedup.buckets import BucketStats
from weft.pipeline.dedup.components import MAX_ROUNDS
from weft.pipeline.dedup.exchange import (
    KEYS_STEP, STAGED_COLUMNS, BucketsReduce, JoinSignatures, KeyRows, KeysReduce, SignatureRows, WantRows, fact_files,
    load_pending, pending_files,
)
from weft.pipeline.dedup.rounds import StarReduce, StarRows, edge_files, load_edges, round_step
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.layout import OutputLayout
from weft.pipeline.markers import has_marker, read_marker, read_markers, write_marker
from weft.pipeline.rules.stage import RulesStage
from weft.pipeline.run.phases import Exchange, Regroup, Rounds, Source, StageFactory, files_in

COMPONENTS_STEP = "dedup_components"
"""Markers of whole rounds (`round-<r>`) and of the converged result (`final`), written by the driver."""
FINAL = "final"


def kept_documents(layout: OutputLayout, step: str) -> int:
    return sum(m["outcomes"].get("kept", 0) for m in read_markers(layout, step))


def dedup_phases(settings: DedupSettings, layout: OutputLayout, filters: tuple[dict, ...], documents_step: str,
                 finish: tuple[StageFactory, ...], finish_step: str) -> tuple[Exchange | Rounds, ...]:
    docs = files_in(lambda lay: lay.docs_dir)
    keys = Exchange(
        "dedup keys",
        barrier="every chunk staged with its text hashes and signatures; documents meet by URL, text and LSH band",
        sources=(Source("staged documents", docs, STAGED_COLUMNS, lambda parts: KeyRows(parts, settings)),),
        partitions=lambda lay: settings.partitions(kept_documents(lay, documents_step) * _keys_per_document(settings)),
        steps=(Regroup("part", (lambda _s: KeysReduce(settings, layout),)),),
    )
    buckets: tuple[Exchange, ...] = ()
    if settings.minhash is not None:
        buckets = (Exchange(
            "dedup buckets",
            barrier="every key partition decided but for its LSH buckets; the signatures they need meet them by text hash",
            sources=(
                Source("bucket members", pending_files, (), WantRows, reader=load_pending),
                Source("staged documents", docs, STAGED_COLUMNS, SignatureRows),
            ),
            partitions=lambda lay: settings.partitions(kept_documents(lay, documents_step)),
            steps=(
                Regroup("part", (lambda _s: JoinSignatures(),)),
                Regroup("dest", (lambda _s: BucketsReduce(settings, layout),)),
            ),
        ),)

    def edges_total(lay: OutputLayout) -> int:
        return sum(m["edges"] for m in read_markers(lay, KEYS_STEP))

    def round_exchange(round_no: int, parts: int) -> Exchange:
        return Exchange(
            f"dedup components round {round_no}",
            barrier=f"edges of round {round_no - 1} complete",
            sources=(Source("edges", lambda lay: edge_files(lay, round_no - 1), (), lambda p: StarRows(p, round_no), reader=load_edges),),
            partitions=lambda _lay: parts,
            steps=(Regroup("part", (lambda _s: StarReduce(layout, round_no),)),),
        )

    def rounds(lay: OutputLayout) -> Iterator[Exchange]:
        if has_marker(lay, COMPONENTS_STEP, FINAL):
            return
        edges = edges_total(lay)
        parts = settings.partitions(2 * edges)
        changed: dict[int, int] = {}
        round_no = 0
        while edges:
            round_no += 1
            if round_no > MAX_ROUNDS:
                raise RuntimeError(f"dedup: connected components did not converge in {MAX_ROUNDS} rounds")
            unit = f"round-{round_no:03d}"
            if not has_marker(lay, COMPONENTS_STEP, unit):
                yield round_exchange(round_no, parts)
                done = list(read_markers(lay, round_step(round_no)))
                write_marker(lay, COMPONENTS_STEP, unit, {"changed": sum(m["changed"] for m in done),
                                                           "edges": sum(m["edges"] for m in done)})
            changed[round_no] = read_marker(lay, COMPONENTS_STEP, unit)["changed"]
            if round_no % 2 == 0 and changed[round_no - 1] == 0 and changed[round_no] == 0:
                break
        write_marker(lay, COMPONENTS_STEP, FINAL, {"rounds": round_no})

    components = Rounds("dedup components", barrier="every key partition decided; the edges of all partitions meet by node",
                        rounds=rounds, describe=round_exchange(1, 1))

    def final_edges(lay: OutputLayout) -> list[Path]:
        return edge_files(lay, read_marker(lay, COMPONENTS_STEP, FINAL)["rounds"])

    def assign_parts(lay: OutputLayout) -> int:
        return settings.partitions(kept_documents(lay, documents_step))

    assign = Exchange(
        "dedup assign",
        barrier="clusters found; every document meets its cluster",
        sources=(
            Source("cluster edges", final_edges, (), EdgeRows, reader=load_edges),
            Source("URL duplicates", fact_files, (), UrlRows),
            Source("staged documents", docs, STAGED_COLUMNS,
                   lambda parts: DocRows(parts, signatures=settings.minhash is not None), with_path=True),
        ),
        partitions=assign_parts,
        steps=(
            Regroup("part", (lambda _s: JoinNodes(assign_parts(layout)),)),  # members go to their root's partition
            Regroup("part", (lambda _s: Clusters(layout, settings.text),)),
            Regroup("stem", (
                lambda _s: AttachDedup(layout),
                lambda _s: RulesStage(filters, "dedup", layout),
                lambda _s: AuditDuplicates(layout),
            ) + finish, step=finish_step),
        ),
    )
    return (keys, *buckets, components, assign)


def _keys_per_document(settings: DedupSettings) -> int:
    return int(settings.url) + int(settings.text) + (settings.minhash.bands if settings.minhash else 0)


def dedup_summary(layout: OutputLayout, settings: DedupSettings, documents_step: str) -> dict:
    """The manifest's `dedup` section: the passes and their parameters (signatures stored with
    the documents can be reused only with equal ones), what the barrier compared and found, and
    what its buckets cost. The drops themselves are the dedup rules' statistics (`filters`)."""
    keys = list(read_markers(layout, KEYS_STEP))
    buckets = BucketStats()
    for marker in keys:
        if marker.get("buckets"):
            buckets = buckets + BucketStats(**marker["buckets"])
    final = layout.done(COMPONENTS_STEP, FINAL)
    clusters = list(read_markers(layout, CLUSTERS_STEP))
    return {
        **settings.manifest(),
        "documents": kept_documents(layout, documents_step),
        "key_partitions": len(keys),
        "url_duplicates": sum(m["url_duplicates"] for m in keys),
        "edges": sum(m["edges"] for m in keys),
        "component_rounds": read_marker(layout, COMPONENTS_STEP, FINAL)["rounds"] if final.is_file() else None,
        "clusters": sum(m["clusters"] for m in clusters),
        "clustered_documents": sum(m["members"] for m in clusters),
        "largest_cluster": max((m["largest"] for m in clusters), default=0),
        "buckets": vars(buckets),
    }
