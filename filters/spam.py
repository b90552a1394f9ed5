"""Spam rule: drop meaningless or spam pages by their emoji, hashtag and link density.

Kosmos-1 removes "meaningless or spam pages" with heuristics on emoji, hashtags and URL links,
without publishing them. This rule measures four ratios per word (`filters.textstats`: a word is
a whitespace-separated token with a letter or digit, or one CJK character):

- `emoji_ratio` = emoji / words (a flag or a ZWJ family counts once);
- `hashtag_ratio` = hashtags / words (`#` + word starting a token, at least one letter);
- `link_ratio` = (`doc.links` + URLs written in the text) / words, where `doc.links` counts the
  `<a href>` elements in the kept content (the extractor's count; navigation is not content);
- `spam_ratio` = (emoji + hashtags + URLs written in the text) / words: the signals real
  articles almost never contain (anchors are left out: articles link a lot), together, which
  catches pages where each signal alone stays under its threshold.

and drops a page when any ratio exceeds its threshold. Without words the ratios divide by 1: an
empty page scores 0 everywhere (the language rule drops it for having no text), a page of bare
emoji is dropped here.

Measured (`python -m weft.pipeline.rules.calibrate spam` for the 77 real pages of shared/data/html in all
their languages, links counted by `weft.pipeline.extract.extractor`; `python -m tests.filters.spam_corpus` for
the generated spam, 200 pages of each kind; min / median / max; in brackets the real pages as
extracted before the main-content rules of `weft.pipeline.extract.content`, which kept navigation
and link lists):

=============  ===================================  =======================================
ratio          real pages                           generated spam
=============  ===================================  =======================================
emoji_ratio    0 / 0 / 0.0101 (0 / 0 / 0.0091)      emoji spam 0.360 / 0.763 / 1.500;
                                                    mixed 0.008 / 0.062 / 0.130
hashtag_ratio  0 / 0 / 0.0057 (0 / 0 / 0.0105)      hashtag soup 0.296 / 0.600 / 0.879;
                                                    mixed 0.021 / 0.063 / 0.137
link_ratio     0 / 0.0068 / 0.1139                  link farm 0.235 / 0.406 / 0.479;
               (0 / 0.0359 / 0.2382)                mixed 0.043 / 0.140 / 0.227
spam_ratio     0 / 0 / 0.0124 (0 / 0 / 0.0121)      hashtag soup 0.296 / 0.644 / 1.000; emoji
                                                    spam 0.360 / 0.763 / 1.500; mixed 0.057 /
                                                    0.153 / 0.255
=============  ===================================  =======================================

(real maxima: franziska-elea.de, a fashion blog, for emoji; basicthinking.de, a page of
embedded tweets, for hashtags and spam_ratio (before: knowtechie.com and ietf-1, an RFC full of
written URLs); Wikipedia for links (before: landwirt.com, an agricultural classifieds page whose
article links every product, which the rules now cut to its article).)

Thresholds: emoji 0.05 and hashtags 0.05 (five times the highest real page or more: one emoji or
hashtag every 20 words is social-media reposting, not an article), written signals together
0.1 (eight times the highest real page), links 0.3 (a quarter above the highest real page as
extracted before the main-content rules, which is what a listing whose links are its content
looks like; link farms have a median of 0.41). With them no real page is dropped and 786 of the 800 generated
spam pages are (hashtag soup 200, emoji spam 200, link farms 192, mixed 194). The link farms
kept have long introductions (link ratio 0.235-0.30: as dense as the densest real page before the rules, so
a lower threshold would start dropping real listings); the 6 mixed pages kept have few emoji and hashtags
(each under 5 % of their words) and few written URLs. The generator is ours, so the spam side of the measurement
only shows the thresholds catch the shapes described; the real-page side is the constraint
that matters (none dropped, with the margins above).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from weft.filters.params import FilterParams, param
from weft.filters.rule import DocumentFilter
from weft.filters.verdict import KEEP, Scores, Stage, Verdict, drop
from weft.filters.textstats import text_counts
from weft.schemas.document import Document


class SpamReason(str, Enum):
    EMOJI = "emoji_spam"
    """Too many emoji per word."""
    HASHTAGS = "hashtag_spam"
    """Too many hashtags per word."""
    LINKS = "link_spam"
    """Too many links and written URLs per word (a link farm)."""
    MIXED = "mixed_spam"
    """Emoji, hashtags and written URLs together are too dense."""


@dataclass(frozen=True)
class SpamParams(FilterParams):
    max_emoji_ratio: float = param(0.05, "Drop when emoji per word exceed this (measured: module docstring).", min=0.0)
    max_hashtag_ratio: float = param(0.05, "Drop when hashtags per word exceed this.", min=0.0)
    max_link_ratio: float = param(0.3, "Drop when (<a href> links in the content + URLs in the text) per word exceed this.", min=0.0)
    max_spam_ratio: float = param(0.1, "Drop when emoji, hashtags and URLs written in the text together per word exceed this.", min=0.0)


class SpamHeuristics(DocumentFilter):
    """Drop meaningless or spam pages: too many emoji, hashtags or links per word.

    Source: Kosmos-1: "we remove meaningless or spam pages" using heuristics on emoji, hashtags
    and URL links; the paper gives no thresholds, so they were measured on real pages and on
    generated spam (module docstring). Scores: `words`, `emoji`, `hashtags`, `links`,
    `text_urls` and the four ratios.
    """

    name = "spam_heuristics_v1"
    Params = SpamParams
    Reason = SpamReason
    default_stage = Stage.TEXT
    params: SpamParams

    def score(self, doc: Document) -> Scores:
        words, emoji, hashtags, urls = text_counts(doc.text)
        per = max(words, 1)
        return {
            "words": words,
            "emoji": emoji,
            "hashtags": hashtags,
            "links": doc.links,
            "text_urls": urls,
            "emoji_ratio": emoji / per,
            "hashtag_ratio": hashtags / per,
            "link_ratio": (doc.links + urls) / per,
            "spam_ratio": (emoji + hashtags + urls) / per,
        }

    def decide(self, scores: Scores) -> Verdict:
        p = self.params
        checks = (
            ("emoji_ratio", p.max_emoji_ratio, SpamReason.EMOJI),
            ("hashtag_ratio", p.max_hashtag_ratio, SpamReason.HASHTAGS),
            ("link_ratio", p.max_link_ratio, SpamReason.LINKS),
            ("spam_ratio", p.max_spam_ratio, SpamReason.MIXED),
        )
        for score, limit, reason in checks:
            value = float(scores[score])
            if value > limit:
                return drop(reason, f"{score} {value:.3f} > {limit} ({scores['words']} words)")
        return KEEP
