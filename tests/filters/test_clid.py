"""The compiled fastText predictor (`weft.filters.clid`) against fastText itself: the same
probabilities, bit for bit, on every real text the tests have, and fastText wherever the
compiled one cannot be sure."""

from __future__ import annotations

import random
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import fresh_python, job, run_inline
from tests.pipeline.extract.test_cwalk import _warc_pages
from weft.filters import clid, language
from weft.filters.language import bundled_model_path, classification_text, language_model, load_model
from weft.pipeline.extract.extractor import extract
from weft.pipeline.rules.calibrate import RealPage


def _fasttext(model, text: str) -> dict[str, float]:
    labels, probs = model.predict(text, k=-1, threshold=0.0)
    return {label: float(prob) for label, prob in zip(labels, probs)}


def _reference_classify(model, text: str) -> tuple[str, float, float]:
    """What the rule computed before the compiled predictor (fastText alone)."""
    got = _fasttext(model, text)
    labels = list(got)
    return (labels[0].removeprefix("__label__") if labels else "", got[labels[0]] if labels else 0.0,
            got.get("__label__en", 0.0))


def _windows(text: str, rng: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        start = rng.randrange(len(text))
        out.append(text[start:start + rng.choice((1, 3, 12, 60, 400, 2500))])
    return out


def _assert_same(texts: list[str]) -> int:
    model = language_model("")
    reference = load_model("")
    declined = 0
    for text in texts:
        got = model.compiled.predict_all(text)
        if got is None:
            declined += 1
            continue
        assert got == _fasttext(reference, text), repr(text[:200])
        assert model.classify(text) == _reference_classify(reference, text), repr(text[:200])
    return declined


def test_jobs_run_the_compiled_predictor(shared_data: Path, tmp_path: Path) -> None:
    # The package builds it (setup.py); a fallback here would mean every job pays fastText's cost.
    model = language_model("")
    assert (model.runtime, model.fallback) == ("compiled", None)
    cfg = replace(job(tmp_path / "out", shared_data / "warc/cc/jwarc_cc.warc.gz"), filters=({"name": "english_fasttext_v1"},))
    assert run_inline(cfg)["executor"]["language_id"] == "compiled"


def test_same_probabilities_on_every_real_page(pages: list[RealPage], shared_data: Path) -> None:
    # What the rule classifies (prose lines, 2,000 characters), the whole text, and windows of it,
    # for the 77 saved pages and every HTML page of the real WARCs and ARCs.
    texts = [page.doc.text for page in pages]
    for _, html in _warc_pages(shared_data):
        segments = extract(html, "https://example.com/").segments
        texts.append("\n".join(s.text for s in segments if hasattr(s, "text")))
    texts = [text for text in texts if text.strip()]
    assert len(texts) > 300
    rng = random.Random(176)
    cases = []
    for text in texts:
        cases.append(classification_text(text, 2000, 6))
        whole = " ".join(text.split())
        cases.append(whole)
        cases.extend(_windows(whole, rng, 4))
    assert _assert_same(cases) == 0


def test_same_probabilities_on_what_fastTexts_reader_treats_specially() -> None:
    # Its separators (NUL among them, which str.split keeps), a literal "</s>" (it ends the line),
    # "__label__" tokens (labels, not words), combining marks, astral characters, lone bytes of
    # every UTF-8 length.
    alphabet = [*"abcdefghij xyz", "\x00", "\x0b", "\x0c", "\r", "\t", "\xe9", "\u00df", "\u0301", "\u4e2d",
                "\u65e5", "\ud55c", "\u0416", "\u0639", "\u05d0", "\U0001f600", "\u200b", "\xa0",
                "</s>", " </s> ", "__label__", "__label__en", "<", ">"]
    rng = random.Random(9)
    cases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(4000)]
    cases += ["a </s> b", "</s>", "__label__en", "__label__en hello", " ", "\x00", "x" * 5000]
    declined = _assert_same(cases)
    assert declined == 0  # no tie, no NaN: every one of these was answered by the compiled code


def test_texts_it_cannot_answer_go_to_fasttext() -> None:
    model = language_model("")
    reference = load_model("")
    # A lone surrogate (UTF-8 cannot encode it) and a newline: fastText raises for both, and so
    # does the rule, as it did before.
    for text in ("caf\ud800 latte", "two\nlines"):
        assert model.compiled.scores(text, model.en_index) is None
        with pytest.raises(Exception) as compiled_error:
            model.classify(text)
        with pytest.raises(Exception) as fasttext_error:
            reference.predict(text, k=-1, threshold=0.0)
        assert type(compiled_error.value) is type(fasttext_error.value)


def _model_bytes(**changes: int) -> bytes:
    """lid.176.ftz with some of its 12 integer arguments changed (offsets after magic, version)."""
    data = bytearray(bundled_model_path().read_bytes())
    fields = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
              "lr_update")
    for name, value in changes.items():
        struct.pack_into("<i", data, 8 + 4 * fields.index(name), value)
    return bytes(data)


def test_a_layout_it_does_not_reproduce_is_left_to_fasttext(tmp_path: Path) -> None:
    with pytest.raises(clid.ModelLayoutError, match="hierarchical-softmax"):
        clid.Predictor(_model_bytes(loss=3))  # softmax
    with pytest.raises(clid.ModelLayoutError, match="word n-grams"):
        clid.Predictor(_model_bytes(word_ngrams=2))
    with pytest.raises(clid.ModelLayoutError, match="ends early"):
        clid.Predictor(bundled_model_path().read_bytes()[:500_000])
    # fastText loads the softmax variant; the rule then runs fastText on it and says why.
    softmax = tmp_path / "lid.softmax.ftz"
    softmax.write_bytes(_model_bytes(loss=3))
    model = language_model(str(softmax))
    assert model.runtime == "fasttext" and "hierarchical-softmax" in model.fallback
    text = "The quick brown fox jumps over the lazy dog."
    assert model.classify(text) == _reference_classify(load_model(str(softmax)), text)


def test_a_disagreement_on_the_probe_texts_keeps_fasttext(monkeypatch: pytest.MonkeyPatch) -> None:
    class Wrong(clid.Predictor):
        def predict_all(self, text: str, threshold: float = 0.0):  # type: ignore[override]
            return {"__label__en": 1.0}

    monkeypatch.setattr(clid, "Predictor", Wrong)
    predictor, why = language._compiled_predictor(bundled_model_path(), load_model(""))
    assert predictor is None and "disagrees with fastText" in why


def test_without_the_extension_fasttext_answers() -> None:
    # What an install without a C compiler gets: the same scores, from fastText.
    code = (
        "from weft.filters.language import language_model\n"
        "m = language_model('')\n"
        "print(m.runtime, m.classify('The quick brown fox jumps over the lazy dog.'), m.fallback)\n"
    )
    runtime, _, rest = fresh_python(code, unbuilt="weft.filters.clid").partition(" ")
    assert runtime == "fasttext" and "not built" in rest
    assert rest.startswith(str(language_model("").classify("The quick brown fox jumps over the lazy dog.")))
