"""Normalisation and shingles (pipeline/dedup/text.py) on real pages in several scripts."""

from __future__ import annotations

import unicodedata

import pytest

from weft.pipeline.dedup.text import _normalise_by_pattern, normalise, shingles, text_hash

CJK = ("hukumusume", "qq", "gmw", "pixnet", "yahoo-4")


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA"))


def test_normalised_real_pages_are_words_separated_by_single_spaces(pages: dict[str, str]) -> None:
    for name, text in pages.items():
        out = normalise(text)
        assert out and out == normalise(out), name
        assert "  " not in out and out == out.strip(), name
        leftover = {ch for ch in out.replace(" ", "") if unicodedata.category(ch)[0] in "PSZ" or unicodedata.category(ch) in ("Cc", "Cf")}
        assert not leftover, (name, sorted(leftover)[:10])
        assert out == out.casefold(), name


def test_scripts_without_spaces_become_one_word_per_character(pages: dict[str, str]) -> None:
    for name in CJK:
        words = normalise(pages[name]).split()
        cjk_words = [w for w in words if any(_is_cjk(c) for c in w)]
        assert len(cjk_words) > 300, name
        assert all(len(w) == 1 for w in cjk_words), (name, [w for w in cjk_words if len(w) > 1][:5])
    # Latin words inside Chinese and Japanese pages stay whole ("GPS: N24 39 16.4", "DeepMind的AlphaGo AI").
    assert "gps" in normalise(pages["pixnet"]).split()
    assert {"alphago", "ai"} <= set(normalise(pages["qq"]).split())


def test_latin_pages_keep_their_words_and_diacritics(pages: dict[str, str]) -> None:
    czech = normalise(pages["aktualne"]).split()
    assert "vítězných" in czech and "přehlédnout" in czech
    german = normalise(pages["heise"]).split()
    assert "passwörtern" in german
    french = normalise(pages["lemonde-1"]).split()
    assert "adopté" in french and "l" in french  # "l'Assemblée": the apostrophe separates


def test_case_punctuation_spacing_width_and_soft_hyphens_do_not_change_the_text(pages: dict[str, str]) -> None:
    for name in ("aktualne", "heise", "lemonde-1", "folha", "hukumusume"):
        text = pages[name]
        variants = [
            text.upper(),
            text.replace(".", " … ").replace(",", "»«").replace(" ", "\u00a0"),
            "\n\t ".join(text.split()),
            text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c).isalnum()}),  # full-width ASCII
            " ".join(w[:2] + "\u00ad" + w[2:] if len(w) > 4 else w for w in text.split(" ")),  # soft hyphens
        ]
        for variant in variants:
            assert normalise(variant) == normalise(text), name
            assert text_hash(normalise(variant)) == text_hash(normalise(text))


def test_combining_marks_stay_inside_words() -> None:
    # Devanagari vowel signs and the virama are marks (Mc/Mn), not separators.
    assert normalise("हिन्दी भाषा, सरल है।") == "हिन्दी भाषा सरल है"
    assert normalise("Ça va\u200d? Déjà-vu!") == "ça va déjà vu"


def test_emoji_and_other_astral_symbols_separate_words() -> None:
    assert normalise("good\U0001F600news 𠀋𠀌 end") == "good news 𠀋 𠀌 end"


def test_shingles_are_word_ngrams_of_the_normalised_text(pages: dict[str, str]) -> None:
    for name in ("bbc-1", "gmw"):
        words = normalise(pages[name]).split()
        got = shingles(normalise(pages[name]), 5)
        assert got == [" ".join(words[i:i + 5]).encode() for i in range(len(words) - 4)]
    assert shingles("one two three", 5) == [b"one two three"]
    assert shingles("one two three four five", 5) == [b"one two three four five"]
    assert shingles("", 5) == []
    assert shingles("a b c", 1) == [b"a", b"b", b"c"]
    with pytest.raises(ValueError):
        shingles("a b", 0)


def test_text_hash_tells_texts_apart(pages: dict[str, str]) -> None:
    hashes = {text_hash(normalise(t)) for t in pages.values()}
    assert len(hashes) == len(pages)
    assert all(len(h) == 32 and int(h, 16) >= 0 for h in hashes)


def _by_pattern(text: str) -> str:
    return _normalise_by_pattern(unicodedata.normalize("NFKC", text).casefold())


def test_the_per_character_way_and_the_patterns_give_the_same_text(pages: dict[str, str]) -> None:
    """`normalise` replaces each distinct character and cuts words in the UTF-8 bytes; the
    patterns scan every character. Code points next to their neighbours, inside a word and repeated
    between cased letters, and the real pages (with case and width variants) must come out the same."""
    # The BMP 32 code points at a time (few enough for the per-character way), then every 37th
    # block of 32 of the other planes (Unicode assigns them in long runs that behave alike).
    for start in [*range(0, 0x10000, 32), *range(0x10000, 0x110000, 32 * 37)]:
        chars = [chr(cp) for cp in range(start, start + 32)]
        for text in ("".join(chars), " ".join(f"a{c}b" for c in chars), "".join(f"A{c}{c}Z " for c in chars)):
            assert normalise(text) == _by_pattern(text), hex(start)
    for name, text in pages.items():
        for variant in (text, text.upper(), text.replace(" ", "\u00a0"), text + " \U0001F600 \u00ad"):
            assert normalise(variant) == _by_pattern(variant), name


def test_case_folding_one_character_never_makes_a_character_that_folds_again() -> None:
    """What lets `normalise` fold each distinct character with its own `str.replace`."""
    for cp in range(0x110000):
        folded = chr(cp).casefold()
        assert folded.casefold() == folded, hex(cp)
