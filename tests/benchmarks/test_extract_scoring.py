"""The extraction benchmark's scoring (benchmarks/extract_scoring.py): shingle precision/recall and
the in-order image matching, on texts whose answer can be counted by hand."""

from __future__ import annotations

import pytest

from benchmarks.extract_scoring import (
    image_keys,
    image_keys_of_html,
    match_images,
    prf,
    reference_text,
    score_text,
    shingles,
    tokens,
)


def test_tokens_fold_case_and_split_cjk_per_character() -> None:
    assert tokens("The Cat, the HAT!") == ["the", "cat", "the", "hat"]
    assert tokens("谷歌在2014年收购") == ["谷", "歌", "在", "2014", "年", "收", "购"]


def test_shingles_are_word_4grams_and_short_texts_one_shingle() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"), ("b", "c", "d", "e")}
    assert shingles("a b") == {("a", "b")}
    assert shingles("") == set()


def test_score_text_counts_shared_shingles() -> None:
    # reference: 6 words → 3 shingles; candidate: the first 5 words + 3 others → 5 shingles, 2 shared
    score = score_text("one two three four five x y z", "one two three four five six")
    assert score.precision == pytest.approx(2 / 5)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 * (2 / 5) * (2 / 3) / (2 / 5 + 2 / 3))
    assert score_text("", "some reference text here").f1 == 0.0
    assert score_text("", "").f1 == 1.0 and score_text("x y z w", "").f1 == 0.0


def test_reference_text_separates_blocks() -> None:
    assert tokens(reference_text("<div><p>end</p><p>start</p><script>x()</script></div>")) == ["end", "start"]


def test_images_match_in_order_by_url_or_file_name() -> None:
    ref = image_keys_of_html(
        '<p><img src="/a/photo-1.jpg"><img data-src="https://cdn.x/b.png" src="ph.gif"><img srcset="c1.jpg 1x, c2.jpg 2x"></p>',
        "http://fakehost/test/page.html",
    )
    assert len(ref) == 3
    slots = [image_keys(["https://other.cdn/976/photo-1.jpg"]),  # same file name, other size
             image_keys(["http://fakehost/test/c2.jpg"]),        # a srcset candidate, scheme aside
             image_keys(["https://cdn.x/b.png"])]                # out of order: not matched
    assert match_images(slots, ref) == 2
    score = prf(2, len(slots), len(ref))
    assert (score.precision, score.recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert match_images([], ref) == 0 and prf(0, 0, 0).f1 == 1.0
