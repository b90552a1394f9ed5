"""The interleaved document: what every stage passes on and what the shards hold.

A document is an ordered list of segments, each a block of text or an image slot, in the page's
reading order. Text between two images is one `TextBlock` whose paragraphs are separated by a
blank line, which is the OBELICS convention, so `texts`/`images` at the output edge are simply the
segments laid out as two aligned lists.

Bump `SCHEMA_VERSION` (and `schemas/SPEC.md`) whenever a field is added, removed or changes
meaning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Union

SCHEMA_VERSION = "1.2"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a document came from, precisely enough to re-read its record with warcio."""

    warc_file: str
    """The input as weft opened it: a local path or an http(s) URL."""
    warc_record_offset: int
    """Byte offset of the record in the (compressed) file."""
    warc_record_length: int
    """Length in bytes of the record in the (compressed) file."""
    warc_record_id: str
    """WARC-Record-ID, e.g. `<urn:uuid:...>`; for ARC records, a synthetic
    `<arc:FILE_NAME:OFFSET>` (ARC has no record ids)."""
    warc_date: str
    """WARC-Date (ISO 8601) or the ARC date converted to ISO 8601."""
    target_uri: str
    """WARC-Target-URI: the page URL the HTML was fetched from."""
    http_content_type: str
    """The MIME type from the HTTP Content-Type header, lower-cased, without parameters."""
    charset: str
    """The codec the HTML was decoded with (Python codec name)."""
    charset_source: str
    """Why that codec: `bom`, `http-header`, `meta`, `detected` or `fallback`."""


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Text between two image slots; paragraphs separated by a blank line ("\\n\\n")."""

    text: str


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What Pillow found when it decoded an image's bytes (bounded; see pipeline/images/validate.py)."""

    width: int
    """Width in pixels as displayed: after EXIF orientation; an animation's first frame."""
    height: int
    format: str
    """Pillow's format name: JPEG, PNG, GIF, WEBP, AVIF, BMP, TIFF, ICO, ..."""
    mode: str
    """Pillow's mode of the decoded image: RGB, RGBA, L, LA, P, 1, CMYK, I;16, ..."""
    frames: int
    """Frames in the file (1 for a still image)."""
    sha256: str
    """Hex SHA-256 of the bytes as fetched (exact duplicates across documents share it)."""
    phash: str
    """64-bit perceptual hash (DCT of a 32x32 grey thumbnail) as 16 hex digits."""
    colour_spread: int
    """Largest per-channel range (max - min, 0..255) over non-transparent pixels of a small
    thumbnail: 0 for a single-colour image. A score for the monochrome rule."""
    dominant_fraction: float
    """Share of non-transparent thumbnail pixels that have the most common (quantised) colour."""
    grayscale: bool
    """Whether every non-transparent pixel has R, G and B within a small tolerance of each other."""
    opaque_fraction: float
    """Share of thumbnail pixels that are not (nearly) fully transparent."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """How an image slot got its bytes, or why it did not: one row of the fetch ledger."""

    source: str
    """`data-uri`, `archive` (an image record of the job's own inputs), `download`, or `none`."""
    status: str
    """`ok`, or why not: see pipeline/images/status.py for the closed list."""
    http_status: int | None = None
    bytes: int | None = None
    elapsed_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ImageSlot:
    """A place in the reading order where the page shows an image."""

    url: str
    """Absolute http(s) URL after resolution, or the whole `data:` URI for an inline image."""
    raw_value: str
    """The attribute value as the page wrote it, before resolution or srcset parsing (HTML
    entities decoded, as every HTML parser does: `&amp;` is `&`)."""
    source_attr: str
    """Which attribute supplied the URL, e.g. `src`, `data-src`, `srcset`, `source[srcset]`."""
    alt: str | None = None
    title: str | None = None
    declared_width: int | None = None
    """The `width` attribute when it is a plain number of pixels, else None."""
    declared_height: int | None = None
    content: bytes | None = None
    """The image bytes once the image stage has resolved them (None until then)."""
    content_type: str | None = None
    """MIME type of `content` (e.g. `image/jpeg`), None until resolved."""
    info: ImageInfo | None = None
    """What decoding the bytes showed (size, format, hashes, colour scores); None until then."""
    fetch: FetchResult | None = None
    """How the bytes were obtained or why not; None until the image stage has run."""


@dataclass(frozen=True, slots=True)
class DroppedSlot:
    """An image the page showed but weft did not keep, with the reason (nothing vanishes)."""

    position: int
    """How many kept segments precede the place the image stood."""
    raw_value: str
    source_attr: str
    url: str
    reason: str
    """A stable reason code. The extractor's: `tracker_declared_tiny` (width/height declared <= 1 or 0),
    `placeholder_only` (only a lazy-load placeholder), `lazy_placeholder` (a blurred preview
    replaced by its `<noscript>` original), `unresolvable_url`, `unsupported_scheme`; the image
    stage's fetch statuses (`http_error`, `timeout`, ...); and filter reasons, prefixed with the
    filter's name (`min_image_size_v1:too_small`)."""
    alt: str | None = None
    info: ImageInfo | None = None
    fetch: FetchResult | None = None


Segment = Union[TextBlock, ImageSlot]


@dataclass(slots=True)
class DedupInfo:
    """What duplicate removal knows about a document (`pipeline/dedup/`).

    The first four fields go into the shards: the signature stays with the document so a later
    job can cluster again (another threshold, more crawls) without re-reading any text. The last
    three exist only between the dedup barrier and the dedup rules, which decide from them; a
    dropped document's ledger row and its rule scores keep them."""

    text_hash: str | None = None
    """Hash of the normalised text: equal hashes are the same text (`dedup_text_v1`)."""
    minhash: list[int] | None = None
    """MinHash signature (uint32 values; its parameters are in the manifest), when the job signs."""
    cluster_id: str | None = None
    """The doc_id of the kept document of this document's cluster (its own id when it is kept)."""
    cluster_size: int | None = None
    """Documents in the cluster, the kept one included (1: no duplicate was found)."""
    duplicate_of: str | None = None
    """The kept document this one duplicates (None: it is kept)."""
    duplicate_reason: str | None = None
    """`url`, `text` or `minhash`: which pass found it."""
    jaccard: float | None = None
    """Estimated Jaccard similarity with `duplicate_of` (from the signatures; 1.0 for equal text)."""


@dataclass(slots=True)
class Document:
    """One page turned into interleaved text and image slots, with its provenance."""

    doc_id: str
    url: str
    segments: list[Segment]
    provenance: Provenance
    title: str | None = None
    html_lang: str | None = None
    """The `lang` attribute of `<html>`, as written (a hint; language is decided by a filter)."""
    dropped_slots: list[DroppedSlot] = field(default_factory=list)
    links: int = 0
    """Hyperlinks (`<a href>`) in the kept content: a spam signal (link-farm pages)."""
    dedup: DedupInfo | None = None
    """Signature and cluster, when the job removes duplicates."""
    filter_scores: dict[str, Any] = field(default_factory=dict)
    """What each filter rule measured: `{"scores": {rule: {...}}, "slot_scores": {rule: [...]}}`,
    kept next to the verdict so a user can re-threshold without recomputing."""

    @property
    def images(self) -> list[ImageSlot]:
        return [s for s in self.segments if isinstance(s, ImageSlot)]

    @property
    def text(self) -> str:
        """All text of the document, paragraphs separated by blank lines (for text rules)."""
        return "\n\n".join(s.text for s in self.segments if isinstance(s, TextBlock))


def make_doc_id(target_uri: str, record_id: str) -> str:
    """A stable id from what identifies a capture: the same record always gets the same id,
    two captures of one URL (different record ids) get different ids, and the id is safe as a
    file-name stem and a webdataset key (32 lower-case hex digits)."""
    digest = hashlib.blake2b(f"{target_uri}\x00{record_id}".encode("utf-8", "surrogatepass"), digest_size=16)
    return digest.hexdigest()
