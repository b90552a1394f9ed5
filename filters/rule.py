"""What a filter rule is: a versioned name, typed parameters, typed drop reasons, a stage.

A *rule* is one filter class with a stable, versioned `name` (`english_fasttext_v1`): the name
appears in job specs, stats, rejected-document samples and `DroppedSlot.reason`, so changing
what a rule does means a new version, never a silent edit of the old one.

Two kinds of rule:

- document rules keep or drop the whole document (`score(doc)` / `decide(scores)`);
- slot rules keep or drop single image slots (`score_slot(slot, index)` / `decide_slot(scores)`);
  a dropped slot moves to `doc.dropped_slots` (see `filters/slots.py`). A slot rule may also have
  a document-level part (`max_images_v1` with `policy = "drop_document"`). A slot rule whose
  verdict on one slot depends on the document's other slots (`image_repeat_v1`) or on the rest of
  the job (`image_boilerplate_v1`) scores all slots in one pass instead (`score_slots(doc, job)`);
  what that pass finds goes into each slot's scores, so `decide_slot` still decides one slot
  from its own scores and a stored run can be re-thresholded as for any other rule.

Each rule declares its `stage`: `text` rules are cheap and run before any image is downloaded,
`image` rules run after the image stage has filled `ImageSlot.info`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, Mapping

from weft.filters.params import FilterParams
from weft.filters.verdict import KEEP, Scores, Stage, Verdict
from weft.schemas.document import Document, ImageSlot


class ImageCount(str, Enum):
    """What a rule needs to know about the number of image slots (for `check_order`)."""

    NONE = "none"
    """The rule does not look at how many images there are."""
    NONZERO = "nonzero"
    """The rule asks whether any image is left: it must follow rules that can remove the last one."""
    EXACT = "exact"
    """The rule needs the exact final count: it must follow every rule that removes slots."""


class Filter(ABC):
    """One rule. Subclasses set the class attributes and implement scoring and deciding.

    A filter instance holds only its parameters, so it pickles (Ray ships stages to workers);
    models are loaded lazily and cached per process by the rule module.
    """

    name: ClassVar[str]
    """Stable versioned name, e.g. `english_fasttext_v1`."""
    Params: ClassVar[type[FilterParams]]
    Reason: ClassVar[type[Enum]]
    """The closed set of drop reasons (values are the stable reason codes)."""
    default_stage: ClassVar[Stage]
    drops_slots: ClassVar[bool] = False
    """Whether the rule can remove image slots."""
    may_remove_last_image: ClassVar[bool] = False
    """Whether removing slots can leave a document with none (a size rule can, a cap cannot)."""
    needs_image_count: ClassVar[ImageCount] = ImageCount.NONE
    needs_image_documents: ClassVar[bool] = False
    """Whether the rule reads `JobCounts.image_documents`: a job with such a rule counts, over all
    its documents, how many show each image (an extra step of the image exchange)."""

    def __init__(self, params: FilterParams | None = None) -> None:
        if params is None:
            params = self.Params()
        if type(params) is not self.Params:
            raise TypeError(f"{self.name}: expected {self.Params.__name__}, got {type(params).__name__}")
        params.check()
        self.params = params

    @property
    def stage(self) -> Stage:
        return self.default_stage

    @property
    def key(self) -> str:
        """The rule's key in scores and stats: its name, or `name@stage` for a rule whose stage
        is a parameter (so the two `no_images_v1` of the Kosmos-1 recipe stay apart)."""
        return self.name

    @classmethod
    def rationale(cls) -> str:
        """The first paragraph of the class docstring: the rule in one sentence."""
        doc = (cls.__doc__ or "").strip()
        return " ".join(doc.split("\n\n", 1)[0].split())

    @abstractmethod
    def score(self, doc: Document) -> Scores:
        """Measure the document (document-level scores)."""

    @abstractmethod
    def decide(self, scores: Scores) -> Verdict:
        """Keep or drop the document from its scores and this rule's parameters only."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"


@dataclass(frozen=True)
class JobCounts:
    """What the job counted over all its documents before the image rules ran: what a rule that
    compares a document with the rest of the job (`image_boilerplate_v1`) reads.

    The image exchange fills it for each chunk (`weft.pipeline.images.counts`) when a rule of the
    job `needs_image_documents`. Without counts (`image_documents` None: a rule case, a rule run
    on one document) the document is the whole job: each of its images is in one document.
    """

    image_documents: Mapping[str, int] | None = None
    """{image SHA-256: how many of the job's kept documents show it}: every image of the chunk
    being judged is in it."""

    def documents_with(self, sha256: str) -> int:
        """How many kept documents of the job show the image with this SHA-256."""
        if self.image_documents is None:
            return 1
        try:
            return self.image_documents[sha256]
        except KeyError:
            raise ValueError(f"image {sha256} was not counted by the job (every image of a kept document must be)") from None


ALONE = JobCounts()
"""No job-wide counts: the document is judged on its own."""


class DocumentFilter(Filter):
    """A rule that keeps or drops whole documents."""


class SlotFilter(Filter):
    """A rule that keeps or drops single image slots (text is always kept).

    The document-level part defaults to scoring the number of image slots and keeping the
    document; rules that can also drop a document override `decide`.
    """

    drops_slots = True

    def score(self, doc: Document) -> Scores:
        return {"images": sum(1 for s in doc.segments if isinstance(s, ImageSlot))}

    def decide(self, scores: Scores) -> Verdict:
        return KEEP

    def score_slots(self, doc: Document, job: JobCounts) -> list[Scores]:
        """Measure every image slot of `doc`, in order. The default measures each slot alone
        (`score_slot`); a rule that compares a slot with the document's other slots or with the
        rest of the job (`job`) overrides this instead of `score_slot`, and puts what it found
        into each slot's scores."""
        return [self.score_slot(slot, index) for index, slot in enumerate(doc.images)]

    def score_slot(self, slot: ImageSlot, index: int) -> Scores:
        """Measure one slot; `index` is its place among the document's image slots (0-based).
        Every slot rule implements this or `score_slots`."""
        raise NotImplementedError(f"{self.name} implements neither score_slot nor score_slots")

    @abstractmethod
    def decide_slot(self, scores: Scores) -> Verdict:
        """Keep or drop one slot from its scores and this rule's parameters only."""
