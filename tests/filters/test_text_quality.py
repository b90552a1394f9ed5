"""OBELICS-style text rules: every real English page passes the defaults; junk does not."""

from __future__ import annotations

import pytest

from weft.filters.chain import FilterPipeline
from weft.filters.rule import Filter
from weft.pipeline.rules.calibrate import RealPage
from weft.filters.language import EnglishFastText
from weft.filters.text_quality import (
    STOPWORDS, CharRepetition, SpecialCharRatio, StopwordRatio, WordCount, WordRepetition, character_repetition_ratio,
    quality_words, reader_text, special_character_ratio, word_repetition_ratio,
)
from tests.filters.conftest import ENGLISH, make_doc

RULES: list[Filter] = [WordCount(), StopwordRatio(), CharRepetition(), WordRepetition(), SpecialCharRatio()]


def test_every_real_english_page_passes_the_defaults(pages: list[RealPage]) -> None:
    english = FilterPipeline([EnglishFastText()])
    kept = [p for p in pages if english.run(p.doc).kept]
    assert len(kept) == 41
    quality = FilterPipeline(RULES)
    for page in kept:
        result = quality.run(page.doc)
        assert result.kept, (page.name, result.fate, result.verdict.detail)


@pytest.mark.parametrize("text, rule, reason", [
    ("The harbour at dawn.", WordCount(), "too_few_words"),
    ("harbour hotel cheap harbour hotel booking best harbour hotel deals harbour hotel prices luxury spa", StopwordRatio(), "too_few_stopwords"),
    (ENGLISH + " " + "click here! " * 60, CharRepetition(), "char_repetition"),
    ((ENGLISH + "\n\n") * 3, WordRepetition(), "word_repetition"),
    (" ".join(f"{i} | {i * 3.5:.2f} | {i * i} |" for i in range(60)), SpecialCharRatio(), "too_many_special_chars"),
])
def test_junk_is_dropped_by_its_rule(text: str, rule: Filter, reason: str) -> None:
    verdict = rule.decide(rule.score(make_doc(text)))
    assert (verdict.keep, verdict.reason) == (False, reason)
    assert rule.decide(rule.score(make_doc(ENGLISH))).keep


def test_definitions() -> None:
    # digits are special characters too, so a bare number is not a word (as in OBELICS)
    assert quality_words("  Hello, WORLD!! (it's) -- 3.5% ") == ["hello", "world", "it's"]
    assert reader_text("a  \n\n  b\tc") == "a b c"
    assert special_character_ratio("ab, c") == 2 / 5
    assert special_character_ratio("") == 0.0
    assert word_repetition_ratio("a b c d e a b c d e".split(), 5) == 2 / 6  # of 6 5-grams, "a b c d e" occurs twice
    assert word_repetition_ratio("one two three".split(), 5) == 0.0
    assert character_repetition_ratio("abcdefghij" * 10) == 28 / 91  # top ⌊√10⌋ = 3 of 10 distinct: 10 + 9 + 9
    assert character_repetition_ratio("short") == 0.0
    assert {"the", "and", "of", "it's"} <= STOPWORDS and "harbour" not in STOPWORDS


def test_word_count_bounds_and_parameters() -> None:
    from weft.filters.text_quality import WordCountParams

    rule = WordCount(WordCountParams(min_words=3, max_words=5))
    assert rule.decide(rule.score(make_doc("one two"))).reason == "too_few_words"
    assert rule.decide(rule.score(make_doc("one two three four five six"))).reason == "too_many_words"
    assert rule.decide(rule.score(make_doc("one two three"))).keep
