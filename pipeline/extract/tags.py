"""Lexbor tag ids for the tags the extractor tells apart.

Lexbor identifies standard tags by small integer ids; comparing ids avoids building a tag-name
string per node, which matters in the walk (`weft.pipeline.extract.walk`), where it happens once
per node. The ids are read from lexbor itself at import so they cannot drift with a
selectolax/lexbor upgrade; if lexbor stops reporting a static id for one of them, the import fails
loudly instead of every page being extracted with the wrong rules.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

__all__ = [
    "ID_A",
    "ID_ARTICLE",
    "ID_BASE",
    "ID_FIGCAPTION",
    "ID_FORM",
    "ID_HEADER",
    "ID_IMG",
    "ID_MAIN",
    "ID_SOURCE",
    "TAG_ID",
    "TEXT_ID",
]

_TAG_NAMES_NEEDED = (
    "a address article aside audio base blockquote body br button canvas caption center dd details "
    "dialog dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 "
    "h5 h6 head header hgroup hr html iframe img input legend li link listing main marquee math "
    "menu meta nav noscript object ol optgroup option p picture pre section select source style "
    "summary svg table tbody td template textarea tfoot th thead title tr ul video script xmp "
    "search noembed noframes plaintext"
).split()


def _read_tag_ids() -> dict[str, int]:
    """Tag name → lexbor tag id for every tag the walk distinguishes, read by parsing a page that
    contains them all (table parts and head elements need their proper context to survive)."""
    ids: dict[str, int] = {}
    table = "<table><caption></caption><thead><tr><th></th></tr></thead><tbody><tr><td></td></tr></tbody><tfoot></tfoot></table>"
    special = {"caption", "thead", "tbody", "tfoot", "tr", "td", "th", "table", "html", "head", "body",
               "frameset", "frame", "option", "optgroup", "plaintext", "title", "base", "link",
               "meta", "style", "script", "noscript", "template", "noembed", "noframes"}
    plain = "".join(f"<{name}></{name}>" for name in _TAG_NAMES_NEEDED if name not in special)
    tree = LexborHTMLParser(
        "<html><head><title></title><base><link><meta><style></style><script></script>"
        "<template></template><noframes></noframes></head><body><noscript></noscript>"
        f"<noembed></noembed>{table}{plain}<select><optgroup><option></option></optgroup></select>"
        "<plaintext></body></html>"
    )
    for node in tree.root.traverse():
        ids.setdefault(node.tag, node.tag_id)
    frames = LexborHTMLParser("<html><frameset><frame></frameset></html>")
    for node in frames.root.traverse():
        ids.setdefault(node.tag, node.tag_id)
    text_tree = LexborHTMLParser("<p>t<!--c--></p>")
    for node in text_tree.body.traverse(include_text=True):
        ids.setdefault(node.tag, node.tag_id)
    # Standard tags have small static ids; a custom element's id is per-document (a pointer), so
    # a large one here means lexbor no longer knows that tag and the walk's tag tables would not match.
    missing = [name for name in _TAG_NAMES_NEEDED + ["-text", "-comment"] if not 0 < ids.get(name, 0) < 1024]
    if missing:  # a selectolax/lexbor change, not a page problem: fail at import, loudly
        raise RuntimeError(f"lexbor did not report static tag ids for {missing}")
    return ids


TAG_ID = _read_tag_ids()
"""Tag name → lexbor tag id; also `-text` and `-comment` for text and comment nodes."""
TEXT_ID = TAG_ID["-text"]

ID_HEADER = TAG_ID["header"]
ID_FORM = TAG_ID["form"]
ID_MAIN = TAG_ID["main"]
ID_ARTICLE = TAG_ID["article"]
ID_IMG = TAG_ID["img"]
ID_SOURCE = TAG_ID["source"]
ID_FIGCAPTION = TAG_ID["figcaption"]
ID_BASE = TAG_ID["base"]
ID_A = TAG_ID["a"]
