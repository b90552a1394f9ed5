"""The text that near-duplicate detection compares: normalised, cut into words and word n-grams.

Two pages that differ only in case, punctuation, spacing or Unicode spelling (full-width Latin
letters, ligatures, a soft hyphen) are the same text to a reader, so they must get the same
shingles and the same exact-pass hash. `normalise` makes one canonical spelling:

1. NFKC (compatibility forms to their plain letters: `ｗｅｂ` -> `web`, `ﬁ` -> `fi`), then
   `str.casefold` (`Straße` -> `strasse`, Greek final sigma);
2. every character of a punctuation (P*), symbol (S*), separator (Z*) or control (Cc) category
   becomes a space; format characters (Cf: soft hyphen, zero-width joiners, BOM) are deleted,
   because they sit *inside* words;
3. scripts written without spaces between words (Han, Hiragana, Katakana, Bopomofo, Thai, Lao,
   Khmer, Myanmar) have no cheap and language-independent word boundary, so each of their code
   points is a word of its own (their combining marks too): a 5-gram there is five characters,
   a common unit for near-duplicates in these scripts. Hangul is written with spaces and stays
   word-based;
4. runs of whitespace collapse to one space, none at either end.

Elsewhere combining marks (M*) are part of words, so Devanagari or Arabic words are not cut at
their vowel signs.
Digits are letters here: "version 2" and "version 3" are different texts.

The categories come from the running Python's Unicode database (`UNICODE_VERSION`): a Python
whose database is newer may classify a newly assigned character differently, so the version is
recorded next to the signatures (`MinHashConfig.manifest`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

UNICODE_VERSION = unicodedata.unidata_version
NORMALISATION = "nfkc_casefold_punct_v1"
"""The name of the rules above; it changes whenever they do, so stored signatures say which rules
made them."""

# Code point ranges of scripts written without spaces between words (see the module docstring).
_UNSPACED_SCRIPTS = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),  # ideographic iteration mark, closing mark, number zero
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3031, 0x3035),  # kana repeat marks
    (0x3038, 0x303C),
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31BF),  # Bopomofo extended
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended-B
    (0xAA60, 0xAA7F),  # Myanmar extended-A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana (NFKC maps most of them to full width first)
    (0x1B000, 0x1B16F),  # Kana supplement and extended
    (0x20000, 0x323AF),  # CJK extensions B..H
)


def _char_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges)


def _runs(codepoints: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for cp in codepoints:
        if runs and runs[-1][1] == cp - 1:
            runs[-1] = (runs[-1][0], cp)
        else:
            runs.append((cp, cp))
    return runs


def _separates(category: str) -> bool:
    return category[0] in "PSZ" or category == "Cc"


def _unspaced(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _UNSPACED_SCRIPTS)


# Any character outside the Basic Multilingual Plane. Python's `re` tests a character class of
# many ranges one range at a time unless every range is in the BMP (then it is one bitmap lookup),
# so the BMP is done with big classes and the rare astral characters (emoji, CJK extension B+)
# one by one (`_astral`), which spaces them out so that the BMP word pattern never splits them.
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


@dataclass(frozen=True)
class _Patterns:
    bmp_format: re.Pattern[str]
    bmp_word: re.Pattern[str]
    """A word: one character of a script without spaces, or a run of characters that are neither
    separators nor such characters. One `findall` of it does the whole cut into words."""


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    """Built once per process from the Unicode database (about 0.02 s), not at import. The
    unspaced scripts' code points are a set made from their ranges: testing each of the 65,536
    code points against the ranges one by one (`_unspaced`) took 0.1-0.17 s of every start-up."""
    in_unspaced = {cp for lo, hi in _UNSPACED_SCRIPTS for cp in range(lo, min(hi, 0xFFFF) + 1)}
    separators: list[int] = []
    formats: list[int] = []
    unspaced: list[int] = []
    for cp in range(0x10000):
        category = unicodedata.category(chr(cp))
        if _separates(category):
            separators.append(cp)  # also inside those scripts: "。" and "・" separate
        elif category == "Cf":
            formats.append(cp)
        elif cp in in_unspaced:
            unspaced.append(cp)
    single = _char_class(_runs(unspaced))
    return _Patterns(
        bmp_format=re.compile(f"[{_char_class(_runs(formats))}]+"),
        bmp_word=re.compile(f"[{single}]|[^{_char_class(_runs(separators))}{single}]+"),
    )


def _astral(match: re.Match[str]) -> str:
    """The same rules for one character outside the BMP."""
    char = match.group()
    treated = _treatment(char)
    return char if treated is None else treated


def normalise(text: str) -> str:
    """The canonical spelling of `text` that shingles and exact hashes are computed on (module
    docstring): idempotent, words separated by single spaces.

    Most text is ASCII with a few distinct other characters (quotes, dashes, no-break spaces,
    accented letters), and the rules act per character once NFKC has run: each distinct
    non-ASCII character is case-folded and then spaced out, deleted or kept by `str.replace`
    (`_replacements`), the ASCII letters are lowered as bytes, and the words are cut and joined
    in one vectorised pass over the UTF-8 bytes (`_joined_words`), where every ASCII byte that is
    not a letter or digit separates words and no other byte does. Three regular-expression scans
    of every character and a string per word cost 4.8 times the instructions (9.25 G against
    1.94 G for the 1,597 English texts of `benchmarks/bench_vs_datatrove.py`, 9 kB each, 90%
    of them with non-ASCII characters). A text with many characters to replace (Chinese,
    Japanese, Thai) is normalised by those patterns instead (`_normalise_by_pattern`); a test
    checks that both ways give the same text.
    """
    if text.isascii():
        # NFKC leaves ASCII as it is, and case folding ASCII is lowering it.
        return _joined_words(text.encode("ascii").lower())
    text = unicodedata.normalize("NFKC", text)
    replacements = _replacements(text)
    if replacements is None:
        return _normalise_by_pattern(text.casefold())
    for char, replacement in replacements:
        text = text.replace(char, replacement)
    return _joined_words(text.encode("utf-8", "surrogatepass").lower())


_MAX_REPLACEMENTS = 64
"""More characters to replace than this, and one pass of the patterns costs less than a
`str.replace` per character (each scans the whole text)."""
_MAX_DISTINCT = 4 * _MAX_REPLACEMENTS
"""More distinct non-ASCII characters than this: the patterns, without counting replacements."""

_SEPARATOR_BYTE = np.array([b < 0x80 and not chr(b).isalnum() for b in range(256)])
"""Which bytes separate words in UTF-8 text whose non-ASCII separators are spaces already: the
ASCII characters other than letters and digits, every one a P*, S*, Z* or Cc character. The
bytes of non-ASCII characters (0x80 and above) are never ASCII, so they are word bytes."""


def _replacements(nfkc: str) -> list[tuple[str, str]] | None:
    """What turns an NFKC text into its case-folded text with every non-ASCII separator a space,
    every format character gone and every character of an unspaced script spaced out, as
    (character, replacement) pairs to apply in order; None when there are too many of them.

    Case folding goes first, character by character (`str.casefold` maps each code point on its
    own, and folds its own output to itself: a test checks every code point, so a replacement
    never makes a character that a later one would change again); then the treatment of each
    non-ASCII character of the folded text (`_treatment`)."""
    data = nfkc.encode("utf-8", "surrogatepass")
    raw = np.frombuffer(data, np.uint8)
    if np.count_nonzero((raw >= 0xE3) & (raw <= 0xE9)) > _MAX_REPLACEMENTS:
        # Characters of U+3000..U+9FFF (kana, CJK ideographs): a text in an unspaced script, so
        # more replacements than that; counting its distinct characters first cost it 20%.
        return None
    # Every byte of a non-ASCII character's UTF-8 sequence is 0x80 or above, and only those are.
    chars = set(raw[raw >= 0x80].tobytes().decode("utf-8", "surrogatepass"))
    if len(chars) > _MAX_DISTINCT:
        return None
    folds: list[tuple[str, str]] = []
    treatments: list[tuple[str, str]] = []
    treated: set[str] = set()
    for char in chars:
        fold = char.casefold()
        if fold != char:
            folds.append((char, fold))
        for folded in fold:
            if folded >= "\x80" and folded not in treated:
                treated.add(folded)
                replacement = _treatment(folded)
                if replacement is not None:
                    treatments.append((folded, replacement))
        if len(folds) + len(treatments) > _MAX_REPLACEMENTS:
            return None
    return folds + treatments


@lru_cache(maxsize=1 << 14)
def _treatment(char: str) -> str | None:
    """What the rules make of one case-folded non-ASCII character: a space (a separator), nothing
    (a format character), itself between spaces (an unspaced script), or None (part of a word)."""
    category = unicodedata.category(char)
    if _separates(category):
        return " "
    if category == "Cf":
        return ""
    return f" {char} " if _unspaced(ord(char)) else None


def _joined_words(data: bytes) -> str:
    """The words of UTF-8 text whose only separators are ASCII bytes (`_SEPARATOR_BYTE`), joined
    by single spaces: each run of separators becomes one space, none at either end."""
    raw = np.frombuffer(data, np.uint8)
    separator = _SEPARATOR_BYTE[raw]
    word = ~separator
    keep = word.copy()
    keep[1:] |= word[:-1]  # a separator right after a word byte stands for its whole run
    out = np.where(separator, np.uint8(0x20), raw)[keep].tobytes()
    return (out[:-1] if out.endswith(b" ") else out).decode("utf-8", "surrogatepass")


def _normalise_by_pattern(folded: str) -> str:
    """`normalise` of a text already NFKC-normalised and case-folded, by regular expressions:
    format characters deleted, astral characters treated one by one, then one `findall` of the
    words. For texts with many distinct characters to replace (`normalise`)."""
    patterns = _patterns()
    text = patterns.bmp_format.sub("", folded)
    if _ASTRAL.search(text):
        text = _ASTRAL.sub(_astral, text)
    return " ".join(patterns.bmp_word.findall(text))


def shingles(normalised: str, n: int) -> list[bytes]:
    """The word `n`-grams of a normalised text, UTF-8, words joined by one space, in text order
    (repeats kept: MinHash ignores them). A text of fewer than `n` words is one shingle of all its
    words, so a short page still has a signature; an empty text has none."""
    data, starts, ends = shingle_spans(normalised, n)
    return [data[s:e] for s, e in zip(starts, ends)]


def shingle_spans(normalised: str, n: int) -> tuple[bytes, list[int], list[int]]:
    """The UTF-8 text and the byte offsets where each of its shingles starts and ends.

    `normalised` must come from `normalise` (single spaces between words): a shingle is then a
    slice of the encoded text, found with one vectorised scan for spaces, which is three times
    as fast as splitting into words and joining them again, and lets `Signer` hash the slices
    without building a list of shingles first.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    data = normalised.encode("utf-8")
    if not data:
        return data, [], []
    spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x20)
    count = len(spaces) + 1 - n + 1
    if count <= 0:
        return data, [0], [len(data)]
    starts = np.empty(count, dtype=np.int64)
    starts[0] = 0
    starts[1:] = spaces[: count - 1] + 1
    ends = np.empty(count, dtype=np.int64)
    ends[:-1] = spaces[n - 1:]
    ends[-1] = len(data)
    return data, starts.tolist(), ends.tolist()


def text_hash(normalised: str) -> str:
    """The exact-duplicate key of a normalised text: 32 hex digits of BLAKE2b-128, so two texts
    meet in the exact pass only when they are equal (a collision needs ~2^64 documents)."""
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).hexdigest()
