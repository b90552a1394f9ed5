"""Who represents a cluster, and what every other member is told."""

from __future__ import annotations

from weft.pipeline.dedup.assign import cluster_facts
from weft.pipeline.dedup.keys import node_key


def _member(date: str | None, doc_id: str, *, url_of: str | None = None, text: str = "t1", sig: list[int] | None = None) -> dict:
    return {"node": node_key(date, doc_id), "stem": "s", "url_of": url_of, "text_hash": text, "signature": sig or [1, 2, 3, 4]}


def test_the_earliest_capture_then_the_smallest_id_represents_the_cluster() -> None:
    members = [_member("2024-01-02T00:00:00Z", "a" * 32), _member("2024-01-01T00:00:00Z", "c" * 32),
               _member("2024-01-01T00:00:00Z", "b" * 32, text="t2", sig=[1, 2, 3, 9]), _member(None, "0" * 32)]
    facts = {f["node"][16:]: f for f in cluster_facts(members)}
    assert facts["b" * 32]["duplicate_of"] is None and facts["b" * 32]["cluster_id"] == "b" * 32
    assert {k: (f["reason"], f["duplicate_of"], f["jaccard"]) for k, f in facts.items() if k != "b" * 32} == {
        "c" * 32: ("minhash", "b" * 32, 0.75),
        "a" * 32: ("minhash", "b" * 32, 0.75),
        "0" * 32: ("minhash", "b" * 32, 0.75),  # an undated capture never represents a dated one
    }
    assert all(f["cluster_size"] == 4 for f in facts.values())


def test_a_capture_the_url_pass_dropped_never_represents_and_keeps_its_url_reason() -> None:
    later = node_key("2024-05-01T00:00:00Z", "f" * 32)
    members = [_member("2024-01-01T00:00:00Z", "a" * 32, url_of=later), _member("2024-02-01T00:00:00Z", "b" * 32)]
    facts = {f["node"][16:]: f for f in cluster_facts(members)}
    assert facts["b" * 32]["duplicate_of"] is None
    assert (facts["a" * 32]["reason"], facts["a" * 32]["duplicate_of"]) == ("url", "f" * 32)


def test_equal_text_is_a_near_duplicate_when_the_job_has_no_text_pass() -> None:
    members = [_member("2024-01-01T00:00:00Z", "a" * 32), _member("2024-01-02T00:00:00Z", "b" * 32)]
    assert [f["reason"] for f in cluster_facts(members)] == [None, "text"]
    assert [(f["reason"], f["jaccard"]) for f in cluster_facts(members, text_pass=False)] == [(None, None), ("minhash", 1.0)]
