"""Conditions as the engine uses them: parsed atoms combined with all / any / not.

An atom names what it tests and, for facts and parameters, optionally compares it:
``fact:NAME`` (a yes/no fact is true), ``fact:NAME=VALUE``, ``fact:NAME>=N`` (ints and dates),
``param:NAME`` / ``param:NAME=VALUE``, ``rule:ID`` (another rule is established) and
``coi:RISK`` (a country-information claim dated on or before the as-of date supports the risk).
Written as strings so that a TOML line stays readable to a lawyer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, cast

from surplace.assessment.spec import AllSpec, AnySpec, CondSpec, NotSpec

Kind = Literal["fact", "rule", "param", "coi"]
Op = Literal["=", "!=", ">=", "<=", ">", "<"]

ATOM = re.compile(r"^(fact|rule|param|coi):([a-z][a-z0-9_]*)(?:(!=|>=|<=|=|>|<)(.+))?$")


@dataclass(frozen=True)
class Atom:
    kind: Kind
    name: str
    op: Op | None = None
    value: str | None = None

    def __str__(self) -> str:
        tail = f"{self.op}{self.value}" if self.op else ""
        return f"{self.kind}:{self.name}{tail}"


@dataclass(frozen=True)
class All:
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class Any:
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    part: Cond


Cond = Atom | All | Any | Not


class ConditionSyntaxError(ValueError):
    """An atom that does not follow the grammar; the loader adds file and rule."""


def parse_atom(text: str) -> Atom:
    match = ATOM.match(text.strip())
    if match is None:
        raise ConditionSyntaxError(
            f"{text!r} is not a condition: write kind:name or kind:name=value, where kind is "
            "fact, rule, param or coi")
    kind, name, op, value = match.groups()
    if kind in ("rule", "coi") and op is not None:
        raise ConditionSyntaxError(f"{text!r}: a {kind} condition takes no comparison")
    return Atom(cast(Kind, kind), name, cast(Op | None, op), value)


def parse(spec: CondSpec) -> Cond:
    if isinstance(spec, str):
        return parse_atom(spec)
    if isinstance(spec, AllSpec):
        return All(tuple(parse(part) for part in spec.all))
    if isinstance(spec, AnySpec):
        return Any(tuple(parse(part) for part in spec.any))
    assert isinstance(spec, NotSpec)
    return Not(parse(spec.not_))


def atoms(cond: Cond) -> Iterator[Atom]:
    """Every atom in a condition, in writing order."""
    if isinstance(cond, Atom):
        yield cond
    elif isinstance(cond, Not):
        yield from atoms(cond.part)
    else:
        for part in cond.parts:
            yield from atoms(part)


def describe(cond: Cond) -> str:
    """The condition written back in a compact, readable form (for the draft and JSON)."""
    if isinstance(cond, Atom):
        return str(cond)
    if isinstance(cond, Not):
        return f"not {describe(cond.part)}"
    joiner = " and " if isinstance(cond, All) else " or "
    return "(" + joiner.join(describe(part) for part in cond.parts) + ")"
