"""filters/textstats.py: the fast counters give exactly what their definitions give.

The counters are written for speed (C-level passes, fast paths that skip the regex), so each is
checked against the definition written the plain way (the implementation they replaced) on the
text of every real page, on every line of those pages (what the language rule counts), and on
strings made to sit on the edges of each fast path.
"""

from __future__ import annotations

import random
import re

import pytest

from tests.helpers import fresh_python
from weft.pipeline.rules.calibrate import RealPage
from weft.filters import textstats
from weft.filters.textstats import count_emoji, count_hashtags, count_text_urls, count_words, text_counts

_CJK_CHAR = re.compile(f"[{textstats._CJK_RANGES}]")
_NON_CJK_RUN = re.compile(f"[^\\s{textstats._CJK_RANGES}]+")
_ALNUM = re.compile(r"[^\W_]")
_BASE, _REGIONAL, _MODIFIERS = textstats._EMOJI_BASE, textstats._REGIONAL, textstats._MODIFIERS
_EMOJI = re.compile(f"(?:[{_REGIONAL}]{{2}}|[{_BASE}])[{_MODIFIERS}]*(?:\u200d[{_BASE}][{_MODIFIERS}]*)*")
_HASHTAG = re.compile(r"(?<![\w#&/])#(?=\w*[^\W\d_])\w+")
_TEXT_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")


def words_by_definition(text: str) -> int:
    return len(_CJK_CHAR.findall(text)) + sum(1 for run in _NON_CJK_RUN.findall(text) if _ALNUM.search(run))


def counts(text: str) -> tuple[int, int, int, int]:
    """The counts, asserted equal between the compiled pass (`weft.filters.ctextstats`) and the
    Python one an install without a C compiler runs."""
    one_by_one = count_words(text), count_emoji(text), count_hashtags(text), count_text_urls(text)
    assert text_counts(text) == one_by_one, repr(text)
    assert textstats.text_counts_python(text) == one_by_one, repr(text)
    assert textstats.count_words_python(text) == one_by_one[0], repr(text)
    return one_by_one


def test_the_word_count_is_compiled() -> None:
    # The package builds it (setup.py); without it every page pays the three Python passes.
    assert textstats._scan is not None
    assert textstats._scan("中文 x — www.y") == (4, True, True)
    assert textstats._scan("a://b") == (1, False, True) and textstats._scan("ww.w. :/ /") == (1, False, False)


def counts_by_definition(text: str) -> tuple[int, int, int, int]:
    return (words_by_definition(text), len(_EMOJI.findall(text)), len(_HASHTAG.findall(text)),
            len(_TEXT_URL.findall(text)))


EDGES = [
    "", " ", "\n\n", "a", "_", "__", "-", "- | -", "_a", "a_", "-_-", "_-x", " _ ", "x _ y __ z",
    "3.5 e-mail #tag https://x.org", "—", "— – …", "a—b", "«»", "©", "™ ® ©", "·", "•\u00a0•",
    "word\u00a0word", "a\u2028b\u2029c\x1cd\x1de\x1ef\x85g", "\x1f_\x1f", "tab\tsep\vform\ffeed\rcr",
    # letters and digits beyond ASCII, and symbols that are neither (a combining accent alone is not a word)
    "e\u0301", "\u0301", "\u00ad", "²", "Ⅻ", "٣", "- ² -", "жж - жж",
    # CJK, and characters of the CJK ranges that are not letters (they still count, one each)
    "日本語のテキスト", "中文 text 混合", "中-文", "-中-", "_中_", "゠・ー", "\u3040\u3097", "한국어 텍스트",
    "𠀀𠀁 x", "abc中def", "中", "a中", "中a", "\U0002ebef x", "\U0002ebf0 x", "\u2319 x", "’ x — y",
    # emoji: flags, ZWJ families, skin tones, keycaps, a lone regional indicator, text symbols
    "🇺🇸🇩🇪", "🇺", "🇺x🇸", "🇺🇸🇩", "👨\u200d👩\u200d👧\u200d👦", "👍🏽", "❤\ufe0f", "1\ufe0f\u20e3", "\u200d🔥",
    "🔥\u200d", "🔥\u200d\u200d🔥", "⌚⌛⏩⏳⏸⭐⭕〰〽㊗㊙", "★ © ™ → ■", "\U0001F1E5\U0001F1E6\U0001F1FF\U0001F200",
    "\U0001F3FB", "x🏽", "🀄🃏", "🫠🫡", "word🔥word",
    # hashtags
    "#tag", "##tag", "C#", "&#39;", "&#tag", "/page#top", "x#y", "#1", "#1a", "#_", "#a_b", "#日本",
    "# tag", "#", "a #b #c", "(#tag)", "#tag#tag", "\n#tag", "é#tag", "#é", "__#tag", "_#tag",
    # URLs in any case, and near misses
    "HTTP://X.ORG", "Https://x", "hTTpS://x", "httpſ://x", "HTTPſ://X", "WWW.X.ORG", "wWw.x", "www.", "xwww.y",
    "ahttp://x", "http:/x", "http//x", "://", "ftp://x", "www .x", "(http://x)", "<http://x>", "'www.x'",
    "İstanbul www.x", "K http://x", "ﬀ www.x",
]


def test_edge_strings_count_as_defined() -> None:
    for text in EDGES:
        for s in (text, f" {text} ", f"x{text}y", f"{text}\n{text}", f"word, {text}; word"):
            assert counts(s) == counts_by_definition(s), repr(s)


def test_random_strings_count_as_defined() -> None:
    """Characters drawn from the alphabets the fast paths split on, in random order."""
    alphabet = (list("ab1_-#/&.:wWhHtTpPsS") + [" ", "\n", "\u00a0", "\u3000", "\x1c"]
                + list("中の한ー・😀🇺🇸👍🏽\u200d\ufe0f\u20e3ſ★©—éж٣²Ⅻ\u0301\u00ad"))
    rng = random.Random(12)
    for _ in range(5000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        assert counts(s) == counts_by_definition(s), repr(s)


def test_real_pages_and_their_lines_count_as_defined(pages: list[RealPage]) -> None:
    for page in pages:
        text = page.doc.text
        assert counts(text) == counts_by_definition(text), page.name
        for line in text.splitlines():
            assert count_words(line) == words_by_definition(line), (page.name, line)


def test_the_facts_the_fast_paths_rest_on() -> None:
    """Python's regex engine and `str` agree where the counters need them to: `\\s` is what
    `str.split` splits on; under `(?i)` the URL letters match only the characters `TEXT_URL`
    spells out, and the class after them matches what it matches without `(?i)`; and every CJK
    character and every first character of an emoji lies in the range `text_counts` scans for."""
    every = "".join(map(chr, range(0x110000)))
    assert set(re.findall(r"\s", every)) == {c for c in every if c.isspace()}
    matched = {letter: "".join(re.findall(f"(?i){letter}", every)) for letter in "htpsw"}
    assert matched == {"h": "Hh", "t": "Tt", "p": "Pp", "s": "Ssſ", "w": "Ww"}
    assert re.findall(r"(?i)[^\s<>\"']", every) == re.findall(r"[^\s<>\"']", every)
    # text_counts skips the CJK and emoji scans when nothing lies in U+231A-U+2EBEF
    starts = _CJK_CHAR.findall(every) + re.findall(f"[{_REGIONAL}{_BASE}]", every)
    assert "\u231a" <= min(starts) and max(starts) <= "\U0002ebef"
    # the compiled pass looks for "www." in any case as [Ww][Ww][Ww]. (no other character
    # lower-cases to a "w" or a ".")
    assert {c for c in every if not "\ud800" <= c <= "\udfff" and set(c.lower()) & {"w", "."}} == {"W", "w", "."}


@pytest.mark.parametrize("text", ["a" * 100_000, "-" * 100_000, "_" * 100_000, "-_" * 50_000, "-" * 100_000 + "a",
                                  "中" * 100_000])
def test_long_tokens_count_as_defined(text: str) -> None:
    """A token of 100,000 symbols: only its first character can start a match (a pattern that
    retried from every character of it would take minutes here)."""
    assert count_words(text) == words_by_definition(text)


def test_without_the_extension_the_python_count_runs() -> None:
    # What an install without a C compiler gets: the same counts, from the Python passes.
    code = ("from weft.filters import textstats\n"
            "print(textstats._scan, tuple(textstats.text_counts('中文 #tag www.x 👍🏽 - x')))\n")
    assert fresh_python(code, unbuilt="weft.filters.ctextstats") == f"None {tuple(text_counts('中文 #tag www.x 👍🏽 - x'))}"
