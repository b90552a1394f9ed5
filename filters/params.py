"""A rule's parameters: a frozen dataclass of `param` fields, built and checked by the one
typed-config layer that job specs use too (`weft.jobs.config`).

The registry builds parameters from a job spec's `[[filters]]` table with `weft.jobs.config.build`,
so a wrong value is a one-line `UserError` naming the rule and the parameter; parameters built
in Python are held to the same bounds on construction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from weft.jobs.config import field_problem, option

param = option
"""A rule parameter: its default (the recipe's), help text, and the values it allows."""


@dataclass(frozen=True)
class FilterParams:
    """Base of every rule's parameter dataclass (frozen; every field made with `param`).

    Bounds and choices are checked on construction, so parameters built in Python are held to
    the same rules as those read from a job spec (where the registry reports them as UserErrors).
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            problem = field_problem(f, getattr(self, f.name))
            if problem:
                raise ValueError(f"{f.name}: {problem}")

    def check(self) -> None:
        """Cross-field checks a single field's bounds cannot express; raise ValueError."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
