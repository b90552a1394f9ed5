"""The nesting pre-scan (pipeline/extract/nesting.py): the cheaper open-count bound never says no
where the stack over-estimate says yes, so answering with it first changes no page's answer."""

from __future__ import annotations

import random

from weft.pipeline.extract.nesting import _open_tags_bound_exceeds, _stack_exceeds, nesting_may_exceed

_NAMES = ["div", "DIV", "Div", "span", "b", "p", "li", "br", "img", "td", "section", "font", "a"]


def _tag_soup(rng: random.Random, n: int) -> str:
    """Start and end tags in random order, closed or not, with text (some of it non-ASCII) between."""
    parts = []
    for _ in range(n):
        name = rng.choice(_NAMES)
        parts.append(f"<{name}>" if rng.random() < 0.55 else f"</{name}>")
        if rng.random() < 0.3:
            parts.append(rng.choice(["x", "é ", "日本 ", "<!-- c -->", " a < b ", "<3"]))
    return "".join(parts)


def test_bound_holds_the_over_estimate_and_decides_the_same() -> None:
    rng = random.Random(11)
    exceeded = 0
    for _ in range(400):
        html = _tag_soup(rng, rng.randrange(1, 400))
        for max_depth in (1, 3, 8, 20, 60):
            stack = _stack_exceeds(html, max_depth)
            bound = _open_tags_bound_exceeds(html, max_depth)
            assert bound or not stack, (html, max_depth)
            assert nesting_may_exceed(html, max_depth) == stack
            assert nesting_may_exceed(html.encode("utf-8"), max_depth) == stack
            assert _open_tags_bound_exceeds(html.encode("utf-8"), max_depth) == bound
            exceeded += stack
    assert exceeded > 100  # the soups reach both answers


def test_bound_is_exact_on_balanced_nesting() -> None:
    html = "<div>" * 30 + "<p>x<span><b>y</b></span>" + "</div>" * 30
    assert _open_tags_bound_exceeds(html, 31) and not _open_tags_bound_exceeds(html, 32)
    assert _stack_exceeds(html, 31) and not _stack_exceeds(html, 32)
