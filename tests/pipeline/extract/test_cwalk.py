"""The compiled walk (pipeline/extract/cwalk.pyx) against the Python walk it compiles: the same
items, boxes and depth caps on every real page the tests have, whole and capped, with and
without explain. Extraction runs the compiled walk, so these are the tests that say it is right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from warcio.archiveiterator import ArchiveIterator

from tests.helpers import fresh_python, job, run_inline
from tests.pipeline.extract.test_extract import read_page, real_pages
from weft.pipeline.extract import cwalk, walk, walkers
from weft.pipeline.extract.boilerplate import protected_ids_and_base
from weft.pipeline.extract.extractor import extract

BASE = "https://example.com/dir/page.html"


def _warc_pages(shared_data: Path) -> Iterator[tuple[str, str]]:
    """Every HTML response of the real WARCs and ARCs, decoded as UTF-8 (both walks get the
    same tree, which is all that matters here)."""
    for path in sorted((shared_data / "warc").glob("*/*")):
        if path.name.endswith((".wat", ".wet", ".wat.gz", ".wet.gz")) or "clipped" in path.name:
            continue
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                if record.rec_type != "response" or not record.http_headers:
                    continue
                if "html" not in (record.http_headers.get_header("Content-Type") or ""):
                    continue
                body = record.content_stream().read()
                if body:
                    yield f"{path.name}:{record.rec_headers.get_header('WARC-Target-URI')}", body.decode("utf-8", "replace")


def _walk_state(walker, html: str, max_depth: int, explain: bool):
    tree = LexborHTMLParser(html)
    root = tree.body if tree.body is not None else tree.root
    protected, _ = protected_ids_and_base(tree)
    return cwalk._state(*walker(root, BASE, max_depth, protected, explain))


def _same(html: str, max_depth: int = 512, explain: bool = False) -> bool:
    return _walk_state(walk.walk, html, max_depth, explain) == _walk_state(cwalk.walk, html, max_depth, explain)


def test_extraction_runs_the_compiled_walk(shared_data: Path, tmp_path: Path) -> None:
    # The package builds it (setup.py); a fallback here would mean every job runs the slow walk.
    assert walkers.WALK == "compiled", walkers.WALK_FALLBACK
    assert walkers.walk is cwalk.walk
    assert walkers.protected_ids_and_base is cwalk.protected_ids_and_base
    manifest = run_inline(job(tmp_path / "out", shared_data / "warc/cc/jwarc_cc.warc.gz"))
    assert manifest["executor"]["extract_walk"] == "compiled"


def test_same_walk_on_every_saved_page(shared_data: Path) -> None:
    pages = real_pages(shared_data)
    assert len(pages) == 77  # 43 readability pages, 34 trafilatura ones
    for page in pages:
        html = read_page(page)
        for max_depth, explain in ((512, False), (512, True), (8, False)):
            assert _same(html, max_depth, explain), (page, max_depth, explain)


def test_same_walk_on_every_archived_page(shared_data: Path) -> None:
    seen = 0
    for name, html in _warc_pages(shared_data):
        assert _same(html), name
        seen += 1
    assert seen > 300


@pytest.mark.parametrize("html", [
    "",
    "just text, no tags",
    "<pre>\r\n  a\r\n\n</pre><p>x<br><br>y</p>",
    "<a href=x>" * 600 + "deep" + "</a>" * 600,
    "<div>" * 700 + "<p>deep</p>" + "</div>" * 700,
    "<p>a<svg><text>in svg</text></svg><math><mi>x</mi></math>b</p><![CDATA[c]]>",
    "<body><p>\x00nul \ufffd and <b>bold</b><i> </i></p><amp-anim src=a.gif></amp-anim><x-y>z</x-y></body>",
    "<p>broken \udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "<form><p>1</p><p>2</p><p>3</p></form><header><p>h</p></header><article><header>kept</header></article>",
    # images the compiled walk takes itself (a plain src kept as written) and those it hands on
    '<p>a<img src="https://ex.com/a.jpg" alt=" two  words " title="t\n" width="0300" height=200>b</p>'
    '<pre>x<img src="http://ex.com/b/c.JPEG?x=1#y"></pre><a href=/l><img src="https://ex.com/d.webp" width=1></a>'
    '<img src="https://ex.com/e.jpg" style="width:0"><img src="https://ex.com/f.jpg" width=5 height=5 style=x>'
    '<img src="https://ex.com/g.jpg" width="5px"><img src="https://ex.com/blank.gif"><img src="https://ex.com/h.png">'
    '<img src="https://ex.com/i"><img src="https://ex.com/lazy"><img src="https://ex.com/"><img src="https://ex.com">'
    '<img src=" https://ex.com/j.jpg"><img src="https://ex.com/k l.jpg"><img src="HTTPS://ex.com/m.jpg">'
    '<img src="https://ex.com:8/n.jpg"><img src="/o.jpg"><img src=""><img src="  "><img alt=x><img src>'
    '<img src="https://ex.com/p.jpg" data-src="https://ex.com/q.jpg"><img src="https://ex.com/é.jpg">'
    '<img src="https://ex.com/r.jpg" width="١٢">',
])
def test_same_walk_on_edge_cases(html: str) -> None:
    assert _same(html)
    assert _same(html, 4, True)


def test_extraction_is_the_same_with_either_walk(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole extraction (content rules, assembly) on top of each walk.
    from weft.pipeline.extract import extractor

    pages = real_pages(shared_data)[::7]
    compiled = [extract(read_page(page), BASE, explain=True) for page in pages]
    monkeypatch.setattr(extractor, "walk", walk.walk)
    monkeypatch.setattr(extractor, "protected_ids_and_base", protected_ids_and_base)
    python = [extract(read_page(page), BASE, explain=True) for page in pages]
    assert compiled == python
    assert any(ex.removed for ex in compiled)


def test_bytes_lexbor_keeps_undecoded_are_read_as_selectolax_reads_them() -> None:
    # Invalid UTF-8 reaches lexbor's tree as it is (a page decoded elsewhere can still carry lone
    # surrogates out as bytes); both walks replace it, as selectolax's text_content does.
    html = b"<p>caf\xe9 <span title='\xff'>x</span></p>"
    tree = LexborHTMLParser(html)
    state = cwalk._state(*cwalk.walk(tree.body, BASE, 512, set()))
    assert state == _walk_state(walk.walk, html, 512, False)
    assert state[0][0][1] == "caf\ufffd x"


def test_without_the_compiled_walk_extraction_falls_back_to_the_python_walk() -> None:
    # What an install without a C compiler gets: the same extraction, and a manifest that says so.
    said = fresh_python(
        "from weft.pipeline.extract import boilerplate, walk, walkers, extractor\n"
        "assert walkers.WALK == 'python' and walkers.walk is walk.walk and extractor.walk is walk.walk\n"
        "assert extractor.protected_ids_and_base is boilerplate.protected_ids_and_base\n"
        "print(walkers.WALK_FALLBACK)\n",
        unbuilt="weft.pipeline.extract.cwalk",
    )
    assert "cwalk" in said


def test_collapse_is_split_and_join() -> None:
    # Every character str.split splits on, in every string width, against the definition.
    import random

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) == 29
    alphabet = [*spaces, "a", "b", "\xe9", "\u4e2d", "\U0001f600", "\x00", "\u200b"]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert cwalk.collapse(text) == " ".join(text.split()), repr(text)
    already = "two words"
    assert cwalk.collapse(already) is already


def test_line_breaks_is_the_regex() -> None:
    # The compiled walk replaces runs of <br> marks in one pass where the Python walk's builder
    # uses _BR_RUN; every mix of marks, spaces and other characters, in every string width.
    import random

    alphabet = ["a", " ", "  ", walk._BR_MARK, " " + walk._BR_MARK, walk._BR_MARK + " ", "\xe9", "\u4e2d", "\U0001f600", "\n"]
    rng = random.Random(8)
    for _ in range(100_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert cwalk.line_breaks(text) == walk._BR_RUN.sub(walk._br_replacement, text), repr(text)


def test_another_selectolax_release_gets_the_python_walk() -> None:
    # The vtable entry the compiled walk calls was read from selectolax 1.0.2's source; with any
    # other release it must not be called (a wrong entry would crash, not raise).
    said = fresh_python(
        "import selectolax\n"
        "selectolax.__version__ = '9.9.9'\n"
        "from weft.pipeline.extract import walkers\n"
        "print(walkers.WALK, walkers.WALK_FALLBACK)\n"
    )
    assert said == "python the compiled walk knows selectolax 1.0.2, not 9.9.9"


def test_count_p_is_what_css_p_counts(shared_data: Path) -> None:
    # Guards 5 and 6 in the compiled walk count paragraphs in C up to the threshold, where the
    # Python walk asks node.css("p"): the same count, below the threshold, for every element of
    # every saved page (the element itself included, as css includes it).
    checked = 0
    for path in real_pages(shared_data)[::3]:
        tree = LexborHTMLParser(read_page(path))
        for node in tree.root.traverse():
            found = len(node.css("p"))
            for enough in (1, 3, 1_000_000):
                assert cwalk.count_p(node, enough) == min(found, enough), (path.name, node.tag)
            checked += found >= 3
    assert checked > 300  # elements holding three or more


_PROTECTION_CASES = [
    "<p>nothing to protect</p>",
    '<base href><base target=_top><base href="/x/"><base href="/y/"><main><p>a</p></main>',
    '<base href="">',
    '<html role="main"><body><div role=MAIN><p>x</p></div><div role=" main"></div><div role="main x"></div></body></html>',
    '<div role="mAiN"><span role=main></span></div><div ROLE=main></div><div role></div><div role="">x</div>',
    "<article class=comment><p>c</p></article><article><p>a</p><article id=comments-1></article></article>",
    '<div><article style="display:none"><main>m</main></article></div>',
    '<svg><main></main><article></article><g role=main xlink:role=main></g><a xlink:role="main"></a></svg>',
    '<math><mi role="main">x</mi></math>',
    "<template><main>t</main><div role=main></div></template><main>real</main>",
    '<table><tr><td><main>in a cell</main></td></tr></table><form><div role="main"></div></form>',
    "<main><main><article><main></main></article></main></main>",
    '<head><base href="http://h/"></head><body><base href="/late/"></body>',
]


@pytest.mark.parametrize("html", _PROTECTION_CASES)
def test_same_protected_elements_on_edge_cases(html: str) -> None:
    tree = LexborHTMLParser(html)
    assert cwalk.protected_ids_and_base(tree) == protected_ids_and_base(tree)


def test_same_protected_elements_on_every_page(shared_data: Path) -> None:
    pages = [read_page(path) for path in real_pages(shared_data)] + [html for _name, html in _warc_pages(shared_data)]
    protected = 0
    for html in pages:
        tree = LexborHTMLParser(html)
        expected = protected_ids_and_base(tree)
        assert cwalk.protected_ids_and_base(tree) == expected
        protected += bool(expected[0])
    assert protected > 50
