"""What rules counted: per rule, documents and image slots in, kept and dropped by reason.

Stats add (`+`) across chunks, workers and jobs, and round-trip through `to_dict`/`from_dict`
for the manifest, so the counts of a job are the sum of its parts whatever ran them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


def _add_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


@dataclass(slots=True)
class RuleStats:
    """What one rule saw and did."""

    docs_in: int = 0
    docs_kept: int = 0
    docs_dropped: dict[str, int] = field(default_factory=dict)
    slots_in: int = 0
    slots_kept: int = 0
    slots_dropped: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: RuleStats) -> RuleStats:
        return RuleStats(
            self.docs_in + other.docs_in,
            self.docs_kept + other.docs_kept,
            _add_counts(self.docs_dropped, other.docs_dropped),
            self.slots_in + other.slots_in,
            self.slots_kept + other.slots_kept,
            _add_counts(self.slots_dropped, other.slots_dropped),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "docs_in": self.docs_in, "docs_kept": self.docs_kept, "docs_dropped": dict(sorted(self.docs_dropped.items())),
            "slots_in": self.slots_in, "slots_kept": self.slots_kept, "slots_dropped": dict(sorted(self.slots_dropped.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleStats:
        return cls(
            int(data["docs_in"]), int(data["docs_kept"]), {str(k): int(v) for k, v in data["docs_dropped"].items()},
            int(data["slots_in"]), int(data["slots_kept"]), {str(k): int(v) for k, v in data["slots_dropped"].items()},
        )


@dataclass(slots=True)
class FilterStats:
    """Per-rule stats in pipeline order; `a + b` adds shards (rules only in one side are kept)."""

    rules: dict[str, RuleStats] = field(default_factory=dict)

    def __add__(self, other: FilterStats) -> FilterStats:
        out = {k: v + RuleStats() for k, v in self.rules.items()}
        for k, v in other.rules.items():
            out[k] = out[k] + v if k in out else v + RuleStats()
        return FilterStats(out)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": {k: v.to_dict() for k, v in self.rules.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FilterStats:
        return cls({str(k): RuleStats.from_dict(v) for k, v in data["rules"].items()})
