"""Case facts: checked against the vocabulary, never silently defaulted.

A fact that is absent is unknown. A name the vocabulary does not know is refused with the
closest names suggested; a value of the wrong type is refused naming the fact; facts that cannot
all be true (declared in ``rules/facts.toml``) are refused with the reason. A testimonial yes/no
fact may be ``"unsubstantiated"``: the person says so and nothing corroborates it, which the
engine counts only through the benefit of the doubt.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from surplace.assessment.conditions import Atom
from surplace.assessment.exceptions import FactsError
from surplace.assessment.loader import Ruleset, default_ruleset
from surplace.assessment.spec import FactSpec

UNSUBSTANTIATED = "unsubstantiated"
FactValue = bool | int | str | date

_CODE_LIKE = re.compile(r"^[A-Za-z0-9_.:-]{1,32}$")


def _shown(value: object) -> str:
    """A refused value as a message may show it: a code or number as written, free text only
    by its length, since it may be what a person said (messages end up in logs)."""
    if value is None or isinstance(value, bool | int | float | date):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if _CODE_LIKE.match(value) else f"text of {len(value)} characters"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class FactConflict:
    """Two interviews gave different values for one fact; the later one was kept."""

    fact: str
    earlier: FactValue
    later: FactValue
    earlier_interview: int
    later_interview: int


@dataclass(frozen=True)
class Facts:
    values: Mapping[str, FactValue]
    conflicts: tuple[FactConflict, ...] = field(default=())

    def canonical(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in sorted(self.values):
            value = self.values[name]
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out

    def sha256(self) -> str:
        """The hash stamped on a draft: the same facts always give the same hash."""
        text = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _coerce(name: str, spec: FactSpec, value: object) -> tuple[FactValue | None, str | None]:
    """The value in its proper type, or why it cannot be."""
    if spec.type == "bool":
        if isinstance(value, bool):
            return value, None
        if value == UNSUBSTANTIATED and spec.testimonial:
            return UNSUBSTANTIATED, None
        allowed = "true, false or \"unsubstantiated\"" if spec.testimonial else "true or false"
        return None, f"{name} must be {allowed}, not {_shown(value)}"
    if spec.type == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value, None
        return None, f"{name} must be a whole number of 0 or more, not {_shown(value)}"
    if spec.type == "date":
        if isinstance(value, date):
            return value, None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value), None
            except ValueError:
                pass
        return None, f"{name} must be a date written YYYY-MM-DD, not {_shown(value)}"
    if spec.type == "enum":
        if isinstance(value, str) and value in spec.values:
            return value, None
        return None, f"{name} must be one of {', '.join(spec.values)}, not {_shown(value)}"
    if isinstance(value, str):
        return value, None
    return None, f"{name} must be text, not {_shown(value)}"


def atom_truth(spec: FactSpec, value: FactValue | None, atom: Atom) -> bool | None:
    """Whether a fact atom holds for a value; None when the value does not decide it."""
    if value is None or value == UNSUBSTANTIATED and spec.type == "bool":
        return None
    if spec.type == "bool":
        expected = atom.value != "false"
        return (value is expected) if atom.op in (None, "=") else (value is not expected)
    target: FactValue = atom.value or ""
    if spec.type == "int":
        target = int(str(atom.value))
    elif spec.type == "date":
        target = date.fromisoformat(str(atom.value))
    ops = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">=": lambda a, b: a >= b,
           "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b}
    return bool(ops[atom.op or "="](value, target))


def _check_names_and_types(raw: Mapping[str, object], ruleset: Ruleset,
                           problems: list[str]) -> dict[str, FactValue]:
    values: dict[str, FactValue] = {}
    for name, value in raw.items():
        spec = ruleset.facts.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, list(ruleset.facts), n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"unknown fact {name!r}{hint}")
            continue
        if value is None:  # written out as unknown: the same as leaving it out
            continue
        coerced, problem = _coerce(name, spec, value)
        if problem:
            problems.append(problem)
        elif coerced is not None:
            values[name] = coerced
    return values


def contradictions(values: Mapping[str, FactValue], ruleset: Ruleset) -> list[str]:
    found = []
    for item in ruleset.contradictions:
        if all(atom_truth(ruleset.facts[a.name], values.get(a.name), a) for a in item.atoms):
            names = ", ".join(f"{a.name}={values[a.name]!r}" for a in item.atoms)
            found.append(f"contradictory facts {names}: {item.why.rstrip('.')}")
    return found


def parse_facts(raw: Mapping[str, object], ruleset: Ruleset | None = None) -> Facts:
    """Check raw facts (names, types, contradictions) and return them typed."""
    ruleset = ruleset or default_ruleset()
    problems: list[str] = []
    values = _check_names_and_types(raw, ruleset, problems)
    problems += contradictions(values, ruleset)
    if problems:
        raise FactsError("Facts refused: " + "; ".join(problems) + ".")
    return Facts(values)


def facts_from_interviews(interviews: Sequence[Mapping[str, object]],
                          ruleset: Ruleset | None = None) -> Facts:
    """Merge interviews' facts in order, later over earlier, recording each disagreement.

    Each interview is checked on its own first (so an error names the interview), then the
    merged facts are checked for contradictions: two interviews may each be consistent and
    together not.
    """
    ruleset = ruleset or default_ruleset()
    merged: dict[str, FactValue] = {}
    source: dict[str, int] = {}
    conflicts: list[FactConflict] = []
    for index, raw in enumerate(interviews, start=1):
        problems: list[str] = []
        values = _check_names_and_types(raw, ruleset, problems)
        if problems:
            raise FactsError(f"Interview {index}: facts refused: " + "; ".join(problems) + ".")
        for name, value in values.items():
            if name in merged and merged[name] != value:
                conflicts.append(FactConflict(name, merged[name], value, source[name], index))
            merged[name], source[name] = value, index
    problems = contradictions(merged, ruleset)
    if problems:
        raise FactsError("Merged interview facts refused: " + "; ".join(problems) + ".")
    return Facts(merged, tuple(conflicts))


def _load_yaml(text: str, path: Path) -> object:
    """A YAML document (safe loader: plain data only). The error names the line and column,
    not PyYAML's message, which quotes the offending line of the file."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FactsError(f"Facts file {path} is not valid YAML{where}.") from None


def read_facts_file(path: Path) -> dict[str, object]:
    """The mapping in a JSON, TOML or YAML facts file (a ``facts`` table if there is one)."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FactsError(f"Cannot read facts file {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise FactsError(f"Facts file {path} is not UTF-8 text.") from None
    try:
        if suffix == ".json":
            data: object = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = _load_yaml(text, path)
        else:
            raise FactsError(f"Facts file {path}: use .json, .toml, .yaml or .yml.")
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise FactsError(f"Facts file {path} cannot be parsed: {error}.") from None
    if isinstance(data, dict) and isinstance(data.get("facts"), dict):
        data = data["facts"]
    if not isinstance(data, dict):
        raise FactsError(f"Facts file {path} must hold a mapping of fact names to values.")
    return {str(key): value for key, value in data.items()}
