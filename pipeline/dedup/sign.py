"""The signing stage: each document that passed the text rules gets its text hash and signature.

It runs in the documents phase, right after the text rules and in the same task (the text is
in memory already; a second read of the WARCs would cost more than signing), and stores both on
the document (`DedupInfo`), so they reach the staged chunk, the dedup barrier and the shards.

Equal normalised texts have equal signatures, so a text signed before is not signed again: the
stage remembers the signatures of the last `RECENT_TEXTS` texts it signed in this worker, by text
hash. Exact repeats are the commonest duplicates in a crawl (error and login pages, mirrors,
pages captured twice): 24 of the 208 documents of the shared real WARCs that reach signing repeat
an earlier text. Signing costs about 1 ms a page; a lookup nothing.
"""

from __future__ import annotations

from collections import OrderedDict

from weft.pipeline.chunk import Chunk
from weft.pipeline.dedup.minhash import Signer
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.dedup.text import normalise, text_hash
from weft.pipeline.stage import Stage
from weft.schemas.document import DedupInfo


RECENT_TEXTS = 1024
"""Signatures remembered per worker (a Python list of 128 ints is about 5 kB: 5 MB in all)."""


class SignStage(Stage):
    """Hash each kept document's normalised text and compute its MinHash signature."""

    name = "sign"

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self.signer: Signer | None = None
        self.recent: OrderedDict[str, list[int]] = OrderedDict()
        """text hash -> signature, least recently used first."""

    def setup(self) -> None:
        if self.settings.minhash is not None:
            self.signer = Signer(self.settings.minhash)

    def describe(self) -> str:
        cfg = self.settings.minhash
        if cfg is None:
            return "Hash each kept document's normalised text (exact dedup passes)."
        return (f"Hash each kept document's normalised text and sign it: MinHash of word {cfg.ngram}-grams, "
                f"{cfg.num_perm} permutations, seed {cfg.seed} ({cfg.bands} bands x {cfg.rows} rows for Jaccard >= {cfg.threshold}).")

    def process(self, chunk: Chunk) -> Chunk:
        kept = chunk.kept
        texts = [normalise(r.doc.text) for r in kept]
        hashes = [text_hash(text) for text in texts]
        signatures: list[list[int] | None] = [None] * len(kept)
        if self.settings.minhash is not None:
            signatures = self._signatures(texts, hashes)
        for record, hashed, signature in zip(kept, hashes, signatures):
            record.doc.dedup = DedupInfo(text_hash=hashed, minhash=signature)
        return chunk

    def _signatures(self, texts: list[str], hashes: list[str]) -> list[list[int]]:
        """Each text's signature: remembered, or signed (each new text once, in one batch)."""
        if self.signer is None:
            self.setup()
        assert self.signer is not None
        recent = self.recent
        new: dict[str, str] = {}
        for text, hashed in zip(texts, hashes):
            if hashed in recent:
                recent.move_to_end(hashed)
            else:
                new.setdefault(hashed, text)
        if new:
            for hashed, signature in zip(new, self.signer.sign_normalised(list(new.values())).tolist()):
                recent[hashed] = signature
        found = [recent[hashed] for hashed in hashes]
        while len(recent) > RECENT_TEXTS:
            recent.popitem(last=False)
        return found
