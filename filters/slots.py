"""Removing image slots from a document without losing them or breaking its text.

Every place that takes an image out of a document (a slot rule, the image stage when an image
cannot be fetched or decoded) goes through `remove_slots`, so a removed slot always lands in
`dropped_slots` with its reason and a correct `position`, and the text blocks around it are
joined as the extractor joins text around an image it does not keep.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

from weft.schemas.document import Document, DroppedSlot, ImageSlot, Segment, TextBlock


def remove_slots(doc: Document, drops: Mapping[int, str]) -> Document:
    """A copy of `doc` without the image slots at segment indices `drops` ({index: reason}),
    each moved to `dropped_slots`; the text around a removed slot is joined. (Each slot's
    verdict detail stays in the pipeline's `SlotRecord`s: `DroppedSlot` has no field for it.)

    `DroppedSlot.position` means "how many kept segments precede the place the image stood";
    removing a slot and joining its neighbours changes that count for every earlier drop after
    it, so all positions are recomputed, and `dropped_slots` stays in page order (an earlier drop
    that stood before segment i sorts before the slot at segment i).
    """
    old = doc.segments
    new: list[Segment] = []
    count_after: list[int] = [0]  # count_after[p]: new segments covering old[0:p]
    for i, seg in enumerate(old):
        if i in drops:
            pass
        elif isinstance(seg, TextBlock) and new and isinstance(new[-1], TextBlock):
            new[-1] = TextBlock(new[-1].text + "\n\n" + seg.text)
        else:
            new.append(seg)
        count_after.append(len(new))
    entries: list[tuple[float, int, DroppedSlot]] = []
    for n, d in enumerate(doc.dropped_slots):
        p = min(max(d.position, 0), len(old))
        entries.append((float(p), n, dataclasses.replace(d, position=count_after[p])))
    for i, reason in drops.items():
        slot = old[i]
        if not isinstance(slot, ImageSlot):
            raise ValueError(f"segment {i} of {doc.doc_id} is not an image slot")
        entries.append((i + 0.5, len(entries), DroppedSlot(
            position=count_after[i], raw_value=slot.raw_value, source_attr=slot.source_attr,
            url=slot.url, reason=reason, alt=slot.alt, info=slot.info, fetch=slot.fetch,
        )))
    entries.sort(key=lambda e: (e[0], e[1]))
    return dataclasses.replace(doc, segments=new, dropped_slots=[e[2] for e in entries])
