"""Charset choice on real pages (Russian, Chinese, German, a BOM page) and on the edge cases:
header vs meta precedence, WHATWG label mapping, bogus labels, undecodable bytes, mislabels."""

from __future__ import annotations

import codecs
import random
import re
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from weft.pipeline.read.charset import (
    decode_html,
    find_meta_charset,
    html_utf8,
    is_utf8,
    normalize_charset_label,
    split_content_type,
)

CC_WARC = "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
BLACKBOOK = "warc/other/aut_IAH-20080430204825-00000-blackbook.warc.gz"


def _html_payloads(path: Path) -> dict[str, tuple[bytes, str | None]]:
    """target URI -> (raw HTML payload, HTTP charset parameter), read with plain warcio."""
    found = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            mime, charset = split_content_type(record.http_headers.get_header("Content-Type"))
            if mime == "text/html":
                found[record.rec_headers.get_header("WARC-Target-URI")] = (record.content_stream().read(), charset)
    return found


@pytest.fixture(scope="module")
def cc_pages(shared_data: Path) -> dict[str, tuple[bytes, str | None]]:
    return _html_payloads(shared_data / CC_WARC)


@pytest.fixture(scope="module")
def blackbook_pages(shared_data: Path) -> dict[str, tuple[bytes, str | None]]:
    return _html_payloads(shared_data / BLACKBOOK)


@pytest.mark.parametrize(
    "uri, codec, source, expected_text",
    [
        # header `charset=windows-1251`
        ("http://01spb.ru/company/", "cp1251", "http-header", "О компании - Стратегия пожарной безопасности"),
        # header `charset=gb2312`, decoded as its superset GB18030 (WHATWG)
        ("http://037426.cn/", "gb18030", "http-header", "苏ICP备14034167号"),
        # no header charset, `<meta charset=gbk>`
        ("http://0755krk.com/76104/list_4_1.html", "gb18030", "meta", "2018新老藏宝图纪录_主页"),
        # `<meta ... charset=iso-8859-1>` means windows-1252: the 0x92 quote must come out as ’
        ("http://06.live-radsport.ch/tippspiel/stats_140_petzi.html", "cp1252", "meta", "Höhepunkte"),
        ("http://06.live-radsport.ch/tippspiel/stats_140_petzi.html", "cp1252", "meta", "d’Italia"),
        # UTF-8 byte order mark wins over everything and is not part of the text
        ("http://05925.net/index.php/vod/type/id/53.html", "utf-8", "bom", "本站最新网址"),
    ],
)
def test_real_non_utf8_pages_decode(cc_pages, uri, codec, source, expected_text) -> None:
    payload, header_charset = cc_pages[uri]
    text, got_codec, got_source = decode_html(payload, header_charset)
    assert (got_codec, got_source) == (codec, source)
    assert expected_text in text
    assert "\ufffd" not in text
    assert not text.startswith("\ufeff")


def test_header_beats_meta_even_when_the_meta_is_right(cc_pages) -> None:
    """WHATWG order: a header charset that decodes is used, whatever the meta says."""
    payload, _ = cc_pages["http://01spb.ru/company/"]
    assert find_meta_charset(payload) == "windows-1251"
    _, codec, source = decode_html(payload, "koi8-r")
    assert (codec, source) == ("koi8-r", "http-header")
    # without a header, the meta decides
    text, codec, source = decode_html(payload, None)
    assert (codec, source) == ("cp1251", "meta")
    assert "пожарной" in text


def test_legacy_header_on_valid_utf8_is_overruled(blackbook_pages) -> None:
    """archive.org served UTF-8 as `charset=ISO-8859-1`; honouring it would give mojibake."""
    payload, header_charset = blackbook_pages["http://www.archive.org/about/about.php"]
    assert header_charset == "ISO-8859-1"
    assert not payload.isascii()
    text, codec, source = decode_html(payload, header_charset)
    assert (codec, source) == ("utf-8", "detected")
    assert "Ã" not in text  # the telltale of UTF-8 read as Latin-1


def test_declared_utf8_with_stray_bytes_is_kept_with_replacements(blackbook_pages) -> None:
    """A page declared UTF-8 with two stray Latin-1 bytes stays UTF-8; only those bytes are lost."""
    payload, header_charset = blackbook_pages["http://www.archive.org/details/audio"]
    with pytest.raises(UnicodeDecodeError):
        payload.decode("utf-8")
    text, codec, source = decode_html(payload, header_charset)
    assert (codec, source) == ("utf-8", "http-header")
    assert text.count("\ufffd") == 2
    assert text == payload.decode("utf-8", "replace")


def test_declared_charset_badly_wrong_falls_through_to_meta_then_detection() -> None:
    russian = ("<p>Съешь же ещё этих мягких французских булок, да выпей чаю.</p>\n" * 40).encode("cp1251")
    page = b'<html><head><meta charset="windows-1251"></head><body>' + russian + b"</body></html>"
    # header says UTF-8, but almost nothing decodes: the meta is tried next
    text, codec, source = decode_html(page, "utf-8")
    assert (codec, source) == ("cp1251", "meta")
    assert "французских" in text
    # no meta either: detection
    text, codec, source = decode_html(russian, "utf-8")
    assert source == "detected"
    assert "французских" in text


@pytest.mark.parametrize(
    "label, codec",
    [
        ("iso-8859-1", "cp1252"),
        ("Latin1", "cp1252"),
        ("US-ASCII", "cp1252"),
        ('"utf-8"', "utf-8"),
        (" UTF8 ", "utf-8"),
        ("x-sjis", "cp932"),
        ("shift_jis", "cp932"),
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("euc-kr", "cp949"),
        ("big5", "big5hkscs"),
        ("iso-8859-9", "cp1254"),
        ("tis-620", "cp874"),
        ("koi8-u", "koi8-u"),
        ("windows-1251", "cp1251"),
        ("utf-16", "utf-16-le"),
    ],
)
def test_whatwg_labels(label, codec) -> None:
    assert normalize_charset_label(label) == codec


@pytest.mark.parametrize("label", ["x-bogus", "rot13", "hex", "base64", "utf-7", "iso-2022-kr", "replacement", "", None])
def test_unknown_or_dangerous_labels_are_ignored(label) -> None:
    assert normalize_charset_label(label) is None


def test_in_document_utf16_means_utf8() -> None:
    assert normalize_charset_label("utf-16", in_document=True) == "utf-8"
    page = '<meta charset="utf-16"><p>naïve café</p>'.encode("utf-8")
    text, codec, source = decode_html(page, None)
    assert (codec, source) == ("utf-8", "meta")
    assert "naïve café" in text


def test_bogus_header_label_falls_to_meta() -> None:
    page = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><p>Prix: 5 €</p>'.encode("iso8859-15")
    text, codec, source = decode_html(page, "x-totally-bogus")
    assert (codec, source) == ("iso8859-15", "meta")
    assert "5 €" in text


def test_utf16_header_on_ascii_bytes_is_not_believed() -> None:
    page = b"<html><body><p>plain ascii page</p></body></html>"
    text, codec, source = decode_html(page, "utf-16")
    assert text == page.decode("ascii")
    assert codec == "utf-8"


@pytest.mark.parametrize(
    "bom, codec",
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_bom_beats_header(bom, codec) -> None:
    body = "<p>Grüße, 世界</p>"
    payload = bom + body.encode(codec)
    text, got_codec, source = decode_html(payload, "windows-1252")
    assert (text, got_codec, source) == (body, codec, "bom")


def test_undecodable_bytes_are_replaced_never_raised() -> None:
    payload = "<p>ok</p>".encode() + b"\xff\xfe\x80 broken \xc3" + "<p>déjà</p>".encode()
    text, codec, source = decode_html(payload, "utf-8")
    assert (codec, source) == ("utf-8", "http-header")
    assert "déjà" in text and "\ufffd" in text


def test_undeclared_shift_jis_is_detected() -> None:
    japanese = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。\n"
    payload = ("<html><body><p>" + japanese * 6 + "</p></body></html>").encode("cp932")
    text, codec, source = decode_html(payload, None)
    assert source == "detected"
    assert codec in ("cp932", "shift_jis")
    assert "吾輩は猫である" in text


def test_utf8_cut_inside_its_last_character_is_still_utf8() -> None:
    payload = "<p>Größe 北京</p>".encode("utf-8")[:-6]  # cut inside 京
    text, codec, source = decode_html(payload, None)
    assert (codec, source) == ("utf-8", "detected")
    assert text.startswith("<p>Größe 北")


def test_meta_beyond_the_scan_window_is_not_used() -> None:
    page = b"<html><head>" + b"<!-- filler -->" * 400 + b'<meta charset="koi8-r"></head>'
    assert find_meta_charset(page) is None


def test_random_bytes_never_raise() -> None:
    rng = random.Random(1234)
    labels = [None, "utf-8", "shift_jis", "gbk", "utf-16", "iso-8859-1", "bogus"]
    for i in range(200):
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
        text, codec, source = decode_html(payload, labels[i % len(labels)])
        assert isinstance(text, str) and codec and source in ("bom", "http-header", "meta", "detected", "fallback")
        assert html_utf8(payload, labels[i % len(labels)]) == (text.encode("utf-8"), codec, source)


def _strict_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_is_utf8_judges_as_a_strict_decode_does(cc_pages) -> None:
    tricky = [
        b"", b"plain", "Größe 北京 😀".encode(), b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf0\x80\x80\xaf",  # overlong
        b"\xed\xa0\x80", b"\xed\xbf\xbf", "\ud7ff".encode(), "\ue000".encode(),  # surrogates and their neighbours
        b"\xf4\x90\x80\x80", "\U0010ffff".encode(), b"\xf5\x80\x80\x80", b"\xff", b"\xfe",  # past U+10FFFF
        b"abc\xe2\x82", b"\x80", b"\xc3", b"a\x00b", "é".encode()[:1] + b"x",  # cut, stray, NUL
    ]
    rng = random.Random(7)
    tricky += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    # valid text cut at every byte of a multi-byte character
    word = "naïve 北京 😀".encode()
    tricky += [word[:i] for i in range(len(word) + 1)]
    tricky += [payload for payload, _charset in cc_pages.values()]
    for data in tricky:
        assert is_utf8(data) == _strict_utf8(data), data[:40]
    assert sum(map(is_utf8, tricky)) > 50 and not all(map(is_utf8, tricky))


@pytest.mark.parametrize("header", [None, "utf-8", "iso-8859-1", "koi8-r"])
def test_html_utf8_hands_on_a_utf8_payload_itself(header: str | None) -> None:
    # A UTF-8 page goes to the parser as the payload it is (no copy); a UTF-8 BOM is left out,
    # and a page in another codec (or with replaced bytes) is its text encoded.
    payload = "<meta charset=utf-8><p>Größe 北京 – “quoted“</p>".encode("utf-8")
    utf8, codec, source = html_utf8(payload, header)
    assert utf8 is payload and codec == "utf-8" and (utf8, codec, source) == (decode_html(payload, header)[0].encode(), codec, source)
    with_bom = codecs.BOM_UTF8 + payload
    assert html_utf8(with_bom, header) == (payload, "utf-8", "bom")
    russian = "<p>Привет, мир</p>".encode("koi8-r")
    assert html_utf8(russian, "koi8-r") == ("<p>Привет, мир</p>".encode("utf-8"), "koi8-r", "http-header")
    damaged = payload[:-9] + b"\xff" + payload[-8:]
    text, codec, source = decode_html(damaged, header)
    assert html_utf8(damaged, header) == (text.encode("utf-8"), codec, source)
    assert "\ufffd" in text or codec != "utf-8"  # replaced, or read as the declared legacy codec


@pytest.mark.parametrize(
    "value, expected",
    [
        ("text/html; charset=UTF-8", ("text/html", "UTF-8")),
        ('Text/HTML;Charset="windows-1251"', ("text/html", "windows-1251")),
        ("text/html; foo=bar; charset='gbk' ; x=y", ("text/html", "gbk")),
        ("text/html,text/html; charset=utf-8", ("text/html", "utf-8")),
        ("text/html; charset=", ("text/html", None)),
        ("image/jpeg", ("image/jpeg", None)),
        ("", ("", None)),
        (None, ("", None)),
    ],
)
def test_split_content_type(value, expected) -> None:
    assert split_content_type(value) == expected


def test_a_real_latin1_page_behind_a_utf8_header_is_read_by_its_meta(shared_data) -> None:
    """landwirt.com's article is ISO-8859-1 and says so in a `<meta>`; behind a server's default
    `charset=utf-8` (how bench_warcs.py and many PHP sites serve it) its 72 umlauts were 72
    U+FFFD, few enough for a 72 kB page to pass as UTF-8 with replacements."""
    payload = (shared_data / "html/trafilatura/landwirt.com.sensortechnik.html").read_bytes()
    text, codec, how = decode_html(payload, "utf-8")
    assert (codec, how) == ("cp1252", "meta")
    assert text == payload.decode("cp1252") and "Viertelleitfähigkeitssensor" in text


@pytest.mark.parametrize("name", ["daringfireball-1", "medicalnewstoday", "tumblr", "webmd-1"])
def test_a_utf8_header_in_front_of_a_legacy_page_gives_way_to_its_meta(shared_data, name) -> None:
    """A real English page as a legacy site serves it: written in windows-1252 with a `<meta>`
    saying so, behind a server's default `charset=UTF-8` header. Its few curly quotes and dashes
    are the only non-ASCII bytes, few enough for the header's decode to pass with replacements;
    no byte is UTF-8, so the author's `<meta>` decides, and the text comes back whole."""
    source = (shared_data / "html/readability" / name / "source.html").read_text(encoding="utf-8")
    page = re.sub(r"charset=([\"']?)utf-8", r"charset=\1windows-1252", source, count=1, flags=re.IGNORECASE)
    assert page != source
    payload = page.encode("cp1252")
    assert 0 < sum(byte > 127 for byte in payload) <= 10
    text, codec, how = decode_html(payload, "UTF-8")
    assert (text, codec, how) == (page, "cp1252", "meta")
    assert html_utf8(payload, "UTF-8") == (page.encode("utf-8"), "cp1252", "meta")
    # The same bytes with a `<meta>` that agrees with the header (or none): the header stands.
    text, codec, how = decode_html(source.encode("cp1252"), "UTF-8")
    assert (codec, how) == ("utf-8", "http-header")
    assert text.count("\ufffd") == sum(byte > 127 for byte in source.encode("cp1252"))


def test_a_page_with_some_utf8_keeps_its_utf8_header_whatever_its_meta_says(blackbook_pages) -> None:
    """archive.org's /details/audio is UTF-8 with two stray Latin-1 bytes: one valid UTF-8
    character is evidence enough for the header."""
    payload, header_charset = blackbook_pages["http://www.archive.org/details/audio"]
    legacy_meta = b'<meta charset="windows-1252">' + payload
    text, codec, how = decode_html(legacy_meta, header_charset)
    assert (codec, how) == ("utf-8", "http-header")
    assert text.count("\ufffd") == 2
