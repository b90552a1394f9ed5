"""The signing stage: each document that passed the text rules gets its text hash and signature.

It runs in the documents phase, right after the text rules and in the same task (the text is
in memory already; a second read of the WARCs would cost more than signing), and stores both on
the document (`DedupInfo`), so they reach the staged chunk, the dedup barrier and the shards.
"""

from __future__ import annotations

from weft.pipeline.chunk import Chunk
from weft.pipeline.dedup.minhash import Signer
from weft.pipeline.dedup.settings import DedupSettings
from weft.pipeline.dedup.text import normalise, text_hash
from weft.pipeline.stage import Stage
from weft.schemas.document import DedupInfo


class SignStage(Stage):
    """Hash each kept document's normalised text and compute its MinHash signature."""

    name = "sign"

    def __init__(self, settings: DedupSettings) -> None:
        self.settings = settings
        self.signer: Signer | None = None

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
        if self.settings.minhash is not None:
            if self.signer is None:
                self.setup()
            signatures = self.signer.sign_normalised(texts).tolist()
        else:
            signatures = [None] * len(kept)
        for record, text, signature in zip(kept, texts, signatures):
            record.doc.dedup = DedupInfo(text_hash=text_hash(text), minhash=signature)
        return chunk
