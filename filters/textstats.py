"""Counting words, emoji, hashtags and URLs in a document's text, shared by the text rules.

The spam rule and the language rule need a word count that works for every script, because they
run before any language is known (and the real pages weft is tested on include Chinese and
Japanese, which do not separate words with spaces). A *word* here is:

- each CJK character (Han ideographs, kana, Hangul syllables, bopomofo): a Chinese word averages
  about 1.5 characters, so counting characters over-counts words slightly, which only makes the
  spam ratios (something per word) more lenient for those scripts, never stricter; and
- each whitespace-separated run of other characters that contains at least one letter or digit
  (so a lone "-" or "|" between menu items is not a word, while "e-mail", "#tag", "3.5" and
  "https://x.org" are).

The OBELICS-style quality rules use a different, English-oriented tokenisation (lower-cased
whitespace tokens stripped of punctuation: `quality_words`), because their published thresholds
were set on that tokenisation.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

_CJK_RANGES = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3100-\u312f"  # bopomofo
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002ebef"  # CJK extensions B-F
)
_CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")

# How the patterns below are written: Python's regex engine skips ahead in C only to where the
# pattern's first character can match (a literal by memchr, a class by testing each character),
# and tries a whole match at every position otherwise. So each pattern starts with one literal or
# one cheap class, even where that class is wider than what it means (a range or an ASCII bitmap
# tests a character in a few ns, a class of Unicode categories or of many ranges in twice that),
# and lookbehinds then check the character just consumed and the one before it. Each is the
# same language as the plain way of writing it (in tests/filters/test_textstats.py, compared on
# every real page and on strings made for the edges), 2-50x faster on the real pages.

# A whitespace-separated token with no letter or digit (a "-" or "|" between menu items), in a
# text whose CJK characters have been turned into spaces. Its first character is neither a
# letter, a digit nor a space (`[^\w\s]`, or "_", which `\w` includes), found by an ASCII bitmap
# that lets through every non-ASCII character; the character before it is a space or nothing;
# then only such characters up to a space or the end, consumed possessively (no backtracking
# once a letter shows the token is a word).
_BARE_TOKEN = re.compile(r"[^0-9A-Za-z \t\n\r\f\v](?<=[^\w\s]|_)(?<!\S.)(?:[^\w\s]|_)*+(?!\S)")

# Emoji: the pictographic blocks (U+1F000-U+1FAFF: emoticons, pictographs, transport, the
# supplemental symbols), Miscellaneous Symbols and Dingbats (U+2600-U+27BF), and the handful of
# emoji scattered over other blocks (watch, hourglass, media buttons, arrows-as-emoji, star,
# circle, wavy dash, part-alternation mark, circled ideographs). Deliberately NOT counted: (c),
# (r), TM, plain arrows and geometric squares, which real articles use as text and bullets.
_EMOJI_BASE = (
    "\U0001F000-\U0001F1E5\U0001F200-\U0001F3FA\U0001F400-\U0001FAFF"
    "\u2600-\u27bf"
    "\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
    "\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
)
_REGIONAL = "\U0001F1E6-\U0001F1FF"
_MODIFIERS = "\ufe0f\u20e3\U0001F3FB-\U0001F3FF"
# One emoji as a reader sees it: a flag (two regional indicators) or a pictograph, with its
# variation selector / skin tone, and any zero-width-joiner continuation (a family, a profession).
# That is `(?:[regional]{2}|[pictograph])[modifier]*(?:ZWJ [pictograph][modifier]*)*`, written
# as one character of the range that holds both kinds (U+231A-U+1FAFF), then a second regional
# indicator if it was one, or nothing if it was a pictograph.
EMOJI = re.compile(
    f"[\u231a-\U0001FAFF](?:(?<=[{_REGIONAL}])[{_REGIONAL}]|(?<=[{_EMOJI_BASE}]))"
    f"[{_MODIFIERS}]*(?:\u200d[{_EMOJI_BASE}][{_MODIFIERS}]*)*"
)

# A hashtag: "#" at the start of a token (not "C#", not "&#39;", not a URL fragment "/page#top"),
# followed by word characters of which at least one is a letter ("#1" is a rank, not a tag).
# That is `(?<![\w#&/])#...`, with the "#" first so candidates are found by searching for it.
HASHTAG = re.compile(r"#(?<![\w#&/]#)(?=\w*[^\W\d_])\w+")

# A URL written in the text (the page's `<a href>` links are counted by the extractor instead):
# `(?i)\b(?:https?://|www\.)[^\s<>"']+`, spelled out without `(?i)` (which lets h, t, p and w
# match only their two ASCII cases, and s also the long s "ſ"; a test checks this over all of
# Unicode) so that it starts with a class, and with `\b` as "no word character before the
# first letter".
TEXT_URL = re.compile(r"[HhWw](?<!\w.)(?:(?<=[Hh])[Tt][Tt][Pp][Ssſ]?://|(?<=[Ww])[Ww][Ww]\.)[^\s<>\"']+")

# Every CJK character and every emoji lies in U+231A-U+2EBEF, and most pages, English ones with
# their curly quotes and dashes included, have no character there: one scan for the range then
# stands for the scans for CJK characters and for emoji.
_CJK_OR_EMOJI = re.compile("[\u231a-\U0002ebef]")


def count_words(text: str) -> int:
    """Words in any script, as the module docstring defines them (compiled: `_scan`)."""
    if _scan is not None:
        return _scan(text)[0]
    return count_words_python(text)


def count_words_python(text: str) -> int:
    """`count_words` where `weft.filters.ctextstats` was not built, and its definition in tests.

    Counted as the CJK characters, plus the whitespace tokens once those characters are spaces,
    minus the tokens without a letter or digit: `str.split` splits on exactly the characters
    `\\s` matches, so this is the definition, in three C-level passes instead of a Python loop
    over every word.
    """
    spaced, cjk = _cjk_as_spaces(text)
    return _words(spaced, cjk)


def _words(spaced: str, cjk: int) -> int:
    return cjk + len(spaced.split()) - len(_BARE_TOKEN.findall(spaced))


def _cjk_as_spaces(text: str) -> tuple[str, int]:
    """`text` with each CJK character replaced by a space, and how many there were."""
    if text.isascii():  # O(1) in CPython; no CJK character is ASCII
        return text, 0
    return _CJK_CHAR.subn(" ", text)


def count_emoji(text: str) -> int:
    """Emoji as a reader counts them (a flag or a ZWJ family is one)."""
    if text.isascii():  # no emoji character is ASCII
        return 0
    return len(EMOJI.findall(text))


def count_hashtags(text: str) -> int:
    return len(HASHTAG.findall(text))


def count_text_urls(text: str) -> int:
    """URLs written in the text. A match holds "://" or "www." in some case, so a text with
    neither (most pages) is answered by lower-casing it and two substring searches."""
    if "://" not in text and "www." not in text.lower():
        return 0
    return len(TEXT_URL.findall(text))


class TextCounts(NamedTuple):
    words: int
    emoji: int
    hashtags: int
    text_urls: int


def text_counts(text: str) -> TextCounts:
    """`count_words`, `count_emoji`, `count_hashtags` and `count_text_urls` of one text (what the
    spam rule measures), with one scan for CJK characters and emoji together on the pages that
    have neither."""
    if _scan is not None:  # one compiled pass for the words, and whether emoji or URLs can be there
        words, wide, url = _scan(text)
        return TextCounts(words, len(EMOJI.findall(text)) if wide else 0, count_hashtags(text),
                          len(TEXT_URL.findall(text)) if url else 0)
    return text_counts_python(text)


def text_counts_python(text: str) -> TextCounts:
    """`text_counts` where `weft.filters.ctextstats` was not built, and its definition in tests."""
    if text.isascii() or _CJK_OR_EMOJI.search(text) is None:
        words, emoji = _words(text, 0), 0
    else:
        words, emoji = _words(*_CJK_CHAR.subn(" ", text)), len(EMOJI.findall(text))
    return TextCounts(words, emoji, count_hashtags(text), count_text_urls(text))


def _compiled_scan() -> Callable[[str], tuple[int, bool, bool]] | None:
    """`weft.filters.ctextstats.scan` with this module's CJK ranges; None where it was not built
    (no C compiler at install time), and the functions above count in Python, the same way."""
    try:
        from weft.filters import ctextstats
    except ImportError:
        return None
    ctextstats.load_ranges(_CJK_RANGES)
    return ctextstats.scan


_scan = _compiled_scan()
