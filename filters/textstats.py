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
_NON_CJK_RUN = re.compile(f"[^\\s{_CJK_RANGES}]+")
_ALNUM = re.compile(r"[^\W_]")

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
EMOJI = re.compile(
    f"(?:[{_REGIONAL}]{{2}}|[{_EMOJI_BASE}])[{_MODIFIERS}]*(?:\u200d[{_EMOJI_BASE}][{_MODIFIERS}]*)*"
)

# A hashtag: "#" at the start of a token (not "C#", not "&#39;", not a URL fragment "/page#top"),
# followed by word characters of which at least one is a letter ("#1" is a rank, not a tag).
HASHTAG = re.compile(r"(?<![\w#&/])#(?=\w*[^\W\d_])\w+")

# A URL written in the text (the page's `<a href>` links are counted by the extractor instead).
TEXT_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")


def count_words(text: str) -> int:
    """Words in any script, as the module docstring defines them."""
    cjk = len(_CJK_CHAR.findall(text))
    runs = sum(1 for run in _NON_CJK_RUN.findall(text) if _ALNUM.search(run))
    return cjk + runs


def count_emoji(text: str) -> int:
    """Emoji as a reader counts them (a flag or a ZWJ family is one)."""
    return len(EMOJI.findall(text))


def count_hashtags(text: str) -> int:
    return len(HASHTAG.findall(text))


def count_text_urls(text: str) -> int:
    return len(TEXT_URL.findall(text))
