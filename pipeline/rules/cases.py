"""Rule cases: small TOML files that pin what a job's rules do to one page, for CI.

A case gives an input page, the rules to run, and the expected fate. It needs no network: the
facts the image stage would measure are written inline. Format::

    description = "a 40x40 image is dropped as too small, leaving no image"
    job = "kosmos1"                  # a job spec (path, or name in jobs/) whose [[filters]] run;
                                     # or, instead, inline [[filters]] tables
    [input]
    url = "https://example.com/post" # the page URL (relative image URLs resolve against it)
    doc_id = "..."                   # optional: fixes the id (the subsample rule hashes it);
                                     # default: derived from url and the case's file name
    html = '''<html>...<img src="a.png">...</html>'''
    # or, instead of html, the document itself:
    # segments = [{text = "First paragraph."}, {image = "a.png"}, {text = "More."}]
    # links = 3                      # <a href> count (document form only)

    [[images]]                       # what decoding each image showed
    url = "a.png"
    width = 40
    height = 40
    colour_spread = 180
    dominant_fraction = 0.3
    grayscale = false
    # opaque_fraction = 1.0, format = "PNG", mode = "RGB", frames = 1 (optional)
    # sha256 = "..."                 # optional: the bytes' hash (default: from the url, so two
                                     # slots are the same image when they have the same url)
    # phash = "..."                  # optional: 16 hex digits (default: from the url, unrelated)
    # documents = 12                 # optional: how many kept documents of the job show this
                                     # image (image_boilerplate_v1; default 1, this page alone)
    # or: status = "http_error"      # the fetch failed: no decoded pixels

    [expect]
    verdict = "drop"                 # keep | drop
    filter = "no_images_v1@image"    # for drop: the key of the rule that drops the document
    reason = "no_images_left"
    images = 0                       # optional: image slots kept
    dropped_slots = [{url = "a.png", reason = "min_image_size_v1:too_small"}]  # optional: the
                                     # slots the rules dropped, in page order

    [dedup]                          # optional: what the job's dedup barrier found for the page
    duplicate_of = "0c6f..."         # the kept document it duplicates (absent: it is kept)
    pass = "minhash"                 # url | text | minhash: which pass found it
    jaccard = 0.91                   # estimated Jaccard with duplicate_of
    cluster_size = 3

An image slot with no `[[images]]` entry has no decoded pixels (as when its download failed),
so the pixel rules drop it as `not_decoded`. Every rule of the job runs, text, dedup and image
stage in order, exactly as a job would run them on that page.
"""

from __future__ import annotations

import hashlib
import time
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urljoin

from weft.filters.chain import FilterPipeline
from weft.filters.dedup import PASSES
from weft.filters.rule import JobCounts
from weft.filters.verdict import DocResult
from weft.filters.registry import build
from weft.jobs.errors import UserError
from weft.schemas.document import DedupInfo, Document, FetchResult, ImageInfo, ImageSlot, Provenance, TextBlock, make_doc_id

DEFAULT_URL = "https://example.com/case"
_CASE_KEYS = {"description", "job", "filters", "input", "images", "dedup", "expect"}
_DEDUP_KEYS = {"duplicate_of", "pass", "jaccard", "cluster_size"}
_INPUT_KEYS = {"url", "doc_id", "html", "segments", "links", "html_lang", "title"}
_IMAGE_REQUIRED = ("width", "height", "colour_spread", "dominant_fraction", "grayscale")
_IMAGE_OPTIONAL = {"opaque_fraction", "format", "mode", "frames", "sha256", "phash", "documents"}
_EXPECT_KEYS = {"verdict", "filter", "reason", "images", "dropped_slots"}


class CaseError(Exception):
    """A case file that cannot be run as written (reported as an error, not a failure)."""


def document_from_html(html: str, url: str, record_id: str = "<urn:uuid:case>") -> Document:
    """A Document from a page's HTML, built as the extract stage builds it (text, image slots,
    the slots the extractor dropped, links)."""
    from weft.pipeline.extract.extractor import extract

    ex = extract(html, url)
    return Document(
        doc_id=make_doc_id(url, record_id),
        url=url,
        segments=ex.segments,
        provenance=_provenance(url, record_id, len(html)),
        title=ex.title,
        html_lang=ex.html_lang,
        dropped_slots=ex.dropped_slots,
        links=ex.links,
    )


def _provenance(url: str, record_id: str, length: int) -> Provenance:
    return Provenance(
        warc_file="case", warc_record_offset=0, warc_record_length=length, warc_record_id=record_id,
        warc_date="2024-01-01T00:00:00Z", target_uri=url, http_content_type="text/html",
        charset="utf-8", charset_source="http-header",
    )


@dataclass
class CaseResult:
    """One case's outcome: passed, failed (with a readable diff) or error (case unusable)."""

    path: Path
    name: str
    description: str = ""
    passed: bool = False
    error: str | None = None
    diff: list[str] = field(default_factory=list)
    fate: str = ""
    elapsed_s: float = 0.0

    @property
    def status(self) -> str:
        return "error" if self.error is not None else ("pass" if self.passed else "fail")

    def report(self) -> str:
        """Lines for a person: the case, what was expected, what happened."""
        head = f"{self.status.upper():5s} {self.name}" + (f": {self.description}" if self.description else "")
        if self.error is not None:
            return f"{head}\n  error: {self.error}"
        if self.passed:
            return head
        return "\n".join([head, *("  " + line for line in self.diff)])


class _JobCache:
    """Job specs read once per run (many cases name the same job), through the job spec loader,
    so a case sees a job exactly as `weft run` would (`extends` included)."""

    def __init__(self) -> None:
        self._specs: dict[str, list[dict[str, Any]]] = {}

    def filters_of(self, job: str, case_dir: Path) -> list[dict[str, Any]]:
        from weft.jobs.spec import load_job

        local = case_dir / job
        spec = str(local.resolve()) if local.is_file() else job
        if spec not in self._specs:
            specs = list(load_job(spec).filters)
            if not specs:
                raise CaseError(f"job spec {spec} has no [[filters]]")
            self._specs[spec] = specs
        return self._specs[spec]


def _require_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CaseError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")


def _image_facts(entry: Mapping[str, Any], where: str) -> tuple[ImageInfo | None, FetchResult]:
    if "status" in entry:
        _require_keys(entry, {"url", "status"}, where)
        return None, FetchResult(source="download", status=str(entry["status"]))
    _require_keys(entry, {"url", *_IMAGE_REQUIRED, *_IMAGE_OPTIONAL}, where)
    missing = [k for k in _IMAGE_REQUIRED if k not in entry]
    if missing:
        raise CaseError(f"{where}: missing {', '.join(missing)} (or give status = \"...\" for an image that did not decode)")
    url = str(entry["url"])
    info = ImageInfo(
        width=int(entry["width"]),
        height=int(entry["height"]),
        format=str(entry.get("format", "PNG")),
        mode=str(entry.get("mode", "RGB")),
        frames=int(entry.get("frames", 1)),
        sha256=str(entry.get("sha256", hashlib.sha256(url.encode()).hexdigest())),
        phash=str(entry.get("phash", hashlib.sha256(f"phash:{url}".encode()).hexdigest()[:16])),
        colour_spread=int(entry["colour_spread"]),
        dominant_fraction=float(entry["dominant_fraction"]),
        grayscale=bool(entry["grayscale"]),
        opaque_fraction=float(entry.get("opaque_fraction", 1.0)),
    )
    return info, FetchResult(source="download", status="ok")


def _build_document(path: Path, data: Mapping[str, Any]) -> tuple[Document, JobCounts]:
    """The case's document with its images' facts, and how many documents of the job show each
    image (`documents`, default 1)."""
    inp = data.get("input")
    if not isinstance(inp, Mapping):
        raise CaseError("missing [input] table")
    _require_keys(inp, _INPUT_KEYS, "[input]")
    url = str(inp.get("url", DEFAULT_URL))
    record_id = f"<case:{path.name}>"
    if ("html" in inp) == ("segments" in inp):
        raise CaseError("[input] needs exactly one of html and segments")
    if "html" in inp:
        if "links" in inp:
            raise CaseError("[input] links is counted from the html; give it only with segments")
        doc = document_from_html(str(inp["html"]), url, record_id)
    else:
        segments: list[TextBlock | ImageSlot] = []
        for i, seg in enumerate(inp["segments"]):
            if not isinstance(seg, Mapping) or len(seg) != 1 or not ({"text", "image"} & set(seg)):
                raise CaseError(f"[input] segments[{i}]: expected {{text = \"...\"}} or {{image = \"url\"}}")
            if "text" in seg:
                segments.append(TextBlock(str(seg["text"])))
            else:
                raw = str(seg["image"])
                segments.append(ImageSlot(url=urljoin(url, raw), raw_value=raw, source_attr="src"))
        doc = Document(doc_id=make_doc_id(url, record_id), url=url, segments=segments,
                       provenance=_provenance(url, record_id, 0), links=int(inp.get("links", 0)))
    if "doc_id" in inp:
        doc = replace(doc, doc_id=str(inp["doc_id"]))
    if "html_lang" in inp:
        doc = replace(doc, html_lang=str(inp["html_lang"]))
    facts: dict[str, tuple[ImageInfo | None, FetchResult]] = {}
    for i, entry in enumerate(data.get("images", [])):
        where = f"[[images]] #{i + 1}"
        if not isinstance(entry, Mapping) or "url" not in entry:
            raise CaseError(f"{where}: needs a url")
        facts[urljoin(url, str(entry["url"]))] = _image_facts(entry, where)
    unused = set(facts) - {s.url for s in doc.segments if isinstance(s, ImageSlot)}
    if unused:
        raise CaseError(f"[[images]] {sorted(unused)[0]} is not an image slot of the page")
    segments = [replace(s, info=facts[s.url][0], fetch=facts[s.url][1]) if isinstance(s, ImageSlot) and s.url in facts else s
                for s in doc.segments]
    counts = {info.sha256: int(entry.get("documents", 1)) for entry in data.get("images", [])
              if (info := facts[urljoin(url, str(entry["url"]))][0]) is not None}
    return replace(doc, segments=segments, dedup=_dedup_facts(data.get("dedup"), doc.doc_id)), JobCounts(counts)


def _dedup_facts(table: Any, doc_id: str) -> DedupInfo | None:
    """The `[dedup]` table as the barrier would attach it (None: the case has none)."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise CaseError("[dedup] must be a table")
    _require_keys(table, _DEDUP_KEYS, "[dedup]")
    duplicate_of = table.get("duplicate_of")
    found = table.get("pass")
    if (duplicate_of is None) != (found is None):
        raise CaseError("[dedup] a duplicate names both duplicate_of and pass")
    if found is not None and found not in PASSES:
        raise CaseError(f"[dedup] pass must be one of {', '.join(PASSES)}, got {found!r}")
    jaccard = table.get("jaccard")
    return DedupInfo(cluster_id=str(duplicate_of or doc_id), cluster_size=int(table.get("cluster_size", 2 if duplicate_of else 1)),
                     duplicate_of=str(duplicate_of) if duplicate_of else None, duplicate_reason=found,
                     jaccard=float(jaccard) if jaccard is not None else None)


def _compare(expect: Mapping[str, Any], result: DocResult, base_url: str) -> list[str]:
    """Readable differences between the expected and the actual fate (empty: the case passes)."""
    _require_keys(expect, _EXPECT_KEYS, "[expect]")
    verdict = expect.get("verdict")
    if verdict not in ("keep", "drop"):
        raise CaseError("[expect] verdict must be \"keep\" or \"drop\"")
    if verdict == "drop" and ("filter" not in expect or "reason" not in expect):
        raise CaseError("[expect] a drop names the filter and the reason")
    if verdict == "keep" and ("filter" in expect or "reason" in expect):
        raise CaseError("[expect] a keep has no filter or reason")
    diff: list[str] = []
    want = "keep" if verdict == "keep" else f"drop by {expect['filter']} ({expect['reason']})"
    got = "keep" if result.kept else f"drop by {result.dropped_by} ({result.verdict.reason})"
    if want != got:
        diff.append(f"verdict: expected {want}, got {got}" + (f": {result.verdict.detail}" if result.verdict.detail else ""))
    images = sum(1 for s in result.doc.segments if isinstance(s, ImageSlot))
    if "images" in expect and int(expect["images"]) != images:
        diff.append(f"images kept: expected {expect['images']}, got {images}")
    if "dropped_slots" in expect:
        wanted = [(urljoin(base_url, str(d["url"])), str(d["reason"])) for d in expect["dropped_slots"]]
        actual = [(d.url, d.reason) for d in result.doc.dropped_slots if ":" in d.reason]
        if wanted != actual:
            diff.append("dropped slots differ:")
            diff.extend(f"  expected {u} {r}" for u, r in wanted if (u, r) not in actual)
            diff.extend(f"  got      {u} {r}" for u, r in actual if (u, r) not in wanted)
            if set(wanted) == set(actual):
                diff.append("  (same slots, different order)")
    if diff:
        diff.append(f"scores: {_scores_line(result)}")
    return diff


def _scores_line(result: DocResult) -> str:
    parts = []
    for key, scores in result.scores.items():
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in scores.items())
        parts.append(f"{key} {{{shown}}}")
    return "; ".join(parts)


def run_case(path: Path, jobs: _JobCache | None = None, root: Path | None = None) -> CaseResult:
    """Run one case file; never raises for a bad case (it becomes an `error` result)."""
    jobs = jobs or _JobCache()
    name = str(path.relative_to(root)) if root is not None and path.is_relative_to(root) else str(path)
    result = CaseResult(path=path, name=name)
    start = time.perf_counter()
    try:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CaseError(f"not valid TOML: {exc}") from None
        _require_keys(data, _CASE_KEYS, "case")
        result.description = str(data.get("description", ""))
        if ("job" in data) == ("filters" in data):
            raise CaseError("give exactly one of job = \"...\" and [[filters]] tables")
        specs = jobs.filters_of(str(data["job"]), path.parent) if "job" in data else data["filters"]
        pipeline: FilterPipeline = build(specs)
        doc, counts = _build_document(path, data)
        outcome = pipeline.run(doc, counts)
        result.fate = outcome.fate
        if "expect" not in data or not isinstance(data["expect"], Mapping):
            raise CaseError("missing [expect] table")
        result.diff = _compare(data["expect"], outcome, doc.url)
        result.passed = not result.diff
    except (CaseError, UserError, OSError) as exc:
        result.error = str(exc)
    except (KeyError, TypeError, ValueError) as exc:  # a value of the wrong shape in the case file
        result.error = f"malformed case: {type(exc).__name__}: {exc}"
    result.elapsed_s = time.perf_counter() - start
    return result


def find_cases(target: Path) -> list[Path]:
    """Case files: `target` itself, or every *.toml under it, in sorted order."""
    if target.is_file():
        return [target]
    if not target.is_dir():
        raise UserError(f"filters check: no such file or directory: {target}")
    cases = sorted(target.rglob("*.toml"))
    if not cases:
        raise UserError(f"filters check: no *.toml rule cases under {target}")
    return cases


def check_cases(target: Path) -> list[CaseResult]:
    root = target if target.is_dir() else target.parent
    jobs = _JobCache()
    return [run_case(path, jobs, root) for path in find_cases(target)]


def junit_xml(results: list[CaseResult], suite: str = "weft filters check") -> ET.ElementTree:
    """JUnit XML (one testsuite, one testcase per case) for CI dashboards."""
    failures = sum(1 for r in results if r.status == "fail")
    errors = sum(1 for r in results if r.status == "error")
    root = ET.Element("testsuite", name=suite, tests=str(len(results)), failures=str(failures), errors=str(errors),
                      time=f"{sum(r.elapsed_s for r in results):.3f}")
    for r in results:
        case = ET.SubElement(root, "testcase", classname="weft.pipeline.rules.cases", name=r.name, time=f"{r.elapsed_s:.3f}")
        if r.description:
            ET.SubElement(case, "system-out").text = f"{r.description}\nfate: {r.fate}"
        if r.status == "fail":
            ET.SubElement(case, "failure", message=r.diff[0] if r.diff else "mismatch").text = "\n".join(r.diff)
        elif r.status == "error":
            ET.SubElement(case, "error", message=r.error or "error").text = r.error
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree
