"""The signing stage (pipeline/dedup/sign.py): every kept document gets its text hash and the
signature `Signer` gives its text, and a text the worker signed before is not signed again."""

from __future__ import annotations

import numpy as np
import pytest

from weft.pipeline.chunk import Chunk, PageRecord
from weft.pipeline.dedup import sign as sign_module
from weft.pipeline.dedup.minhash import MinHashConfig, Signer
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.dedup.sign import SignStage
from weft.pipeline.dedup.text import normalise, text_hash
from weft.schemas.document import Document, Provenance, TextBlock


def _chunk(texts: list[str], index: int = 0) -> Chunk:
    records = []
    for i, text in enumerate(texts):
        prov = Provenance(warc_file="x.warc.gz", warc_record_offset=i, warc_record_length=1, warc_record_id=f"<urn:{index}:{i}>",
                          warc_date="2024-01-01T00:00:00Z", target_uri=f"http://t.example/{index}/{i}",
                          http_content_type="text/html", charset="utf-8", charset_source="http-header")
        doc = Document(doc_id=f"d{index}-{i}", url=prov.target_uri, segments=[TextBlock(text)], provenance=prov)
        records.append(PageRecord(doc_id=doc.doc_id, url=doc.url, provenance=prov, ordinal=i, doc=doc))
    return Chunk(input_tag="x", index=index, records=records)


class _Counting(Signer):
    def __init__(self, cfg: MinHashConfig) -> None:
        super().__init__(cfg)
        self.signed: list[str] = []

    def sign_normalised(self, texts):  # type: ignore[no-untyped-def]
        self.signed.extend(texts)
        return super().sign_normalised(texts)


@pytest.fixture()
def stage() -> SignStage:
    cfg = MinHashConfig(num_perm=64)
    stage = SignStage(DedupSettings(text=True, minhash=cfg))
    stage.signer = _Counting(cfg)
    return stage


def test_every_document_gets_its_own_hash_and_signature(stage: SignStage, pages: dict[str, str]) -> None:
    texts = [pages["bbc-1"], pages["qq"], pages["bbc-1"], pages["folha"], pages["qq"].upper()]
    chunk = stage.process(_chunk(texts))
    reference = Signer(MinHashConfig(num_perm=64))
    for record, text in zip(chunk.records, texts):
        assert record.doc.dedup.text_hash == text_hash(normalise(text))
        np.testing.assert_array_equal(record.doc.dedup.minhash, reference.sign([text])[0])
    # the repeat and the upper-cased copy (the same normalised text) were not signed again
    assert len(stage.signer.signed) == 3


def test_a_text_signed_in_an_earlier_chunk_is_remembered_until_evicted(stage: SignStage, pages: dict[str, str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sign_module, "RECENT_TEXTS", 3)
    names = ["aclu", "bbc-1", "nytimes-1", "wikipedia"]
    stage.process(_chunk([pages[n] for n in names[:3]], 0))
    assert len(stage.signer.signed) == 3
    stage.process(_chunk([pages["bbc-1"], pages["aclu"]], 1))  # both remembered
    assert len(stage.signer.signed) == 3
    stage.process(_chunk([pages["wikipedia"]], 2))  # new: evicts the least recently used (nytimes-1)
    assert len(stage.signer.signed) == 4 and len(stage.recent) == 3
    last = stage.process(_chunk([pages["nytimes-1"], pages["bbc-1"]], 3))
    assert len(stage.signer.signed) == 5
    np.testing.assert_array_equal(last.records[0].doc.dedup.minhash, Signer(MinHashConfig(num_perm=64)).sign([pages["nytimes-1"]])[0])


def test_without_minhash_only_the_hash_is_set(pages: dict[str, str]) -> None:
    chunk = SignStage(DedupSettings(text=True)).process(_chunk([pages["qq"]]))
    assert chunk.records[0].doc.dedup.text_hash == text_hash(normalise(pages["qq"]))
    assert chunk.records[0].doc.dedup.minhash is None
