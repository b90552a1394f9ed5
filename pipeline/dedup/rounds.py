"""The connected-components rounds as exchanges: each round maps edges to half-edges by node
(`StarRows`) and reduces each node partition (`StarReduce`), persisting its edges.

Round r reads the edges round r-1 wrote (round 0's are the key partitions' `edge` rows) and is a
large-star round when r is odd, a small-star round when r is even (`components` module
docstring). The plan (`pipeline/run/plan.py`, `Rounds`) runs them until a large-star round and
the small-star round after it changed no edge; after that, each edge is (representative
candidate, member). Every round's partitions write their edges and a marker with the number of
changed edges, so the driver decides from the markers alone and a resumed job continues at the
first unfinished partition of the first unfinished round.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from weft.pipeline.dedup.components import LARGE, SMALL, changes, star_reduce, star_rows
from weft.pipeline.dedup.exchange import EDGE, fact_files
from weft.pipeline.dedup.schema import EDGE_SCHEMA
from weft.pipeline.layout import OutputLayout, write_parquet_atomic
from weft.pipeline.markers import has_marker, write_marker
from weft.pipeline.stage import Stage


def round_step(round_no: int) -> str:
    """The marker step of one round's partitions."""
    return f"dedup_round_{round_no:03d}"


def round_kind(round_no: int) -> str:
    return LARGE if round_no % 2 == 1 else SMALL


def edge_files(layout: OutputLayout, round_no: int) -> list[Path]:
    """The files holding the edges after `round_no` rounds (0: the key partitions' edges)."""
    if round_no == 0:
        return fact_files(layout)
    directory = layout.dedup_round_dir(round_no)
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def load_edges(path: Path) -> pa.Table:
    """One edges file as (lo, hi): a round's file, or a key partition's `edge` rows."""
    table = pq.read_table(path)
    if "kind" in table.column_names:
        table = table.filter(pc.equal(table.column("kind"), EDGE))
    return table.select(["lo", "hi"])


class StarRows(Stage):
    """Edges to the half-edges each node's partition needs in this round."""

    name = "star_rows"

    def __init__(self, parts: int, round_no: int) -> None:
        self.parts = parts
        self.round_no = round_no

    def process(self, edges: pa.Table) -> pa.Table:
        return star_rows(edges, round_kind(self.round_no), self.parts)


class StarReduce(Stage):
    """One node partition of a components round: its new edges, persisted, and how many changed."""

    name = "star_reduce"

    def __init__(self, layout: OutputLayout, round_no: int) -> None:
        self.layout = layout
        self.round_no = round_no

    def describe(self) -> str:
        return f"Connected components, round {self.round_no} ({round_kind(self.round_no).replace('_', '-')}) on one node partition."

    def persists(self) -> tuple[Path, ...]:
        return self.layout.dedup_round_dir(self.round_no) / "part-<n>.parquet", self.layout.done(round_step(self.round_no), "part-<n>")

    def process(self, rows: pa.Table) -> str:
        part = rows.column("part")[0].as_py()
        unit = f"part-{part:05d}"
        step = round_step(self.round_no)
        if has_marker(self.layout, step, unit):
            return unit
        edges = star_reduce(rows, round_kind(self.round_no))
        write_parquet_atomic(self.layout.dedup_round(self.round_no, part), edges.cast(EDGE_SCHEMA))
        write_marker(self.layout, step, unit, {"edges": edges.num_rows, "changed": changes(edges)})
        return unit
