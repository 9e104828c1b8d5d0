"""Three-valued (strong Kleene) logic: established, not established, unknown.

Unknown is a value of its own, never a disguised false: ``all`` of a list is not established as
soon as one member is not established, established only when every member is, and unknown
otherwise; ``any`` is its dual; ``not`` swaps the two known values and keeps unknown. These
operators are monotone in information: replacing an unknown input by a known one can only turn
an unknown output into a known one, never change a known output. The property test relies on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Outcome(StrEnum):
    established = "established"
    not_established = "not_established"
    unknown = "unknown"


def from_bool(value: bool) -> Outcome:
    return Outcome.established if value else Outcome.not_established


def all_of(values: Iterable[Outcome]) -> Outcome:
    seen = list(values)
    if Outcome.not_established in seen:
        return Outcome.not_established
    if Outcome.unknown in seen:
        return Outcome.unknown
    return Outcome.established


def any_of(values: Iterable[Outcome]) -> Outcome:
    seen = list(values)
    if Outcome.established in seen:
        return Outcome.established
    if Outcome.unknown in seen:
        return Outcome.unknown
    return Outcome.not_established


def negate(value: Outcome) -> Outcome:
    if value is Outcome.unknown:
        return value
    return Outcome.not_established if value is Outcome.established else Outcome.established
