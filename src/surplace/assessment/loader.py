"""Loading the rule set from its data files, and refusing a broken one with a clear message.

Two passes: pydantic checks each file's shape (:mod:`surplace.assessment.spec`), then
:func:`check_references` checks what a schema cannot: that every ``fact:``, ``rule:``, ``param:``
and ``coi:`` a condition names exists, that compared values fit the fact's type, and that rules do
not depend on themselves. Every error names the file and the rule, so an author can fix it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from surplace.assessment import conditions as c
from surplace.assessment.exceptions import RuleFileError
from surplace.assessment.spec import (
    CitationSpec,
    ClaimSpec,
    CoiFileSpec,
    FactSpec,
    ParameterSpec,
    RuleFileSpec,
    RulesetSpec,
    VocabularySpec,
)

RULES_DIR = Path(__file__).parent / "rules"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    text: str
    version: str
    citations: tuple[CitationSpec, ...]
    when: c.Cond
    unless: tuple[str, ...]
    file: str


@dataclass(frozen=True)
class Contradiction:
    why: str
    atoms: tuple[c.Atom, ...]


@dataclass
class Ruleset:
    meta: RulesetSpec
    rules: dict[str, Rule]
    facts: dict[str, FactSpec]
    contradictions: list[Contradiction]
    risk_factors: dict[str, str]
    claims: list[ClaimSpec]
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.meta.version


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise RuleFileError(f"{path.name}: the rule-set file is missing.") from None
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(f"{path.name}: not valid TOML: {error}.") from None


def _validated(model: type[M], data: dict[str, Any], filename: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = list(item["loc"])
            where = ".".join(str(part) for part in loc)
            if len(loc) >= 2 and loc[0] in ("rule", "claim") and isinstance(loc[1], int):
                entries = data.get(str(loc[0]), [])
                ident = entries[loc[1]].get("id") if loc[1] < len(entries) else None
                if isinstance(ident, str):
                    where = f"{loc[0]} {ident!r}" + "".join(f".{p}" for p in loc[2:])
            problems.append(f"{where}: {item['msg']}")
        raise RuleFileError(f"{filename}: " + "; ".join(problems)) from None


def _parse_rule(spec: Any, filename: str) -> Rule:
    try:
        when = c.parse(spec.when)
    except c.ConditionSyntaxError as error:
        raise RuleFileError(f"{filename}: rule {spec.id!r}: {error}.") from None
    return Rule(spec.id, spec.title, spec.text, spec.version, tuple(spec.citations), when,
                tuple(spec.unless), filename)


def load_ruleset(directory: Path = RULES_DIR) -> Ruleset:
    """Read and check every file of the rule set in ``directory``."""
    meta = _validated(RulesetSpec, _read(directory / "ruleset.toml"), "ruleset.toml")
    rules: dict[str, Rule] = {}
    for filename in meta.rule_files:
        spec = _validated(RuleFileSpec, _read(directory / filename), filename)
        for rule_spec in spec.rule:
            rule = _parse_rule(rule_spec, filename)
            if rule.id in rules:
                raise RuleFileError(f"{filename}: rule {rule.id!r} is already defined in "
                                    f"{rules[rule.id].file}.")
            rules[rule.id] = rule
    vocabulary = _validated(VocabularySpec, _read(directory / "facts.toml"), "facts.toml")
    coi = _validated(CoiFileSpec, _read(directory / "coi.toml"), "coi.toml")
    contradictions = []
    for item in vocabulary.contradiction:
        try:
            contradictions.append(Contradiction(item.why, tuple(c.parse_atom(a) for a in item.all)))
        except c.ConditionSyntaxError as error:
            raise RuleFileError(f"facts.toml: contradiction {item.why!r}: {error}.") from None
    ruleset = Ruleset(meta, rules, vocabulary.fact, contradictions, coi.risk_factors, coi.claim,
                      meta.parameter)
    check_references(ruleset)
    return ruleset


@cache
def default_ruleset() -> Ruleset:
    """The rule set shipped with surplace, loaded once per process."""
    return load_ruleset()


def check_value(fact: FactSpec, op: str | None, value: str | None) -> str | None:
    """Why a comparison does not fit the fact's type, or None if it does."""
    if fact.type == "text":
        return "a text fact cannot be tested by a rule"
    if fact.type == "bool":
        if op is None or (op in ("=", "!=") and value in ("true", "false")):
            return None
        return "a yes/no fact takes no comparison, or =true / =false"
    if op is None:
        return f"a {fact.type} fact needs a comparison"
    if fact.type == "enum":
        if op not in ("=", "!="):
            return "an enum fact is compared with = or !="
        return None if value in fact.values else (
            f"{value!r} is not one of its values ({', '.join(fact.values)})")
    try:
        int(str(value)) if fact.type == "int" else date.fromisoformat(str(value))
    except ValueError:
        return f"{value!r} is not a valid {fact.type}"
    return None


def _check_atom(ruleset: Ruleset, atom: c.Atom) -> str | None:
    if atom.kind == "rule":
        return None if atom.name in ruleset.rules else f"names unknown rule {atom.name!r}"
    if atom.kind == "coi":
        return None if atom.name in ruleset.risk_factors else (
            f"names unknown country-information risk factor {atom.name!r}")
    if atom.kind == "param":
        param = ruleset.parameters.get(atom.name)
        if param is None:
            return f"names unknown parameter {atom.name!r}"
        spec = FactSpec(type=param.type, help=param.help, values=param.values)
        problem = check_value(spec, atom.op, atom.value)
        return None if problem is None else f"{atom}: {problem}"
    fact = ruleset.facts.get(atom.name)
    if fact is None:
        return f"names unknown fact {atom.name!r}"
    problem = check_value(fact, atom.op, atom.value)
    return None if problem is None else f"{atom}: {problem}"


def check_references(ruleset: Ruleset) -> None:
    for rule in ruleset.rules.values():
        for atom in c.atoms(rule.when):
            problem = _check_atom(ruleset, atom)
            if problem:
                raise RuleFileError(f"{rule.file}: rule {rule.id!r} {problem}.")
        for exception in rule.unless:
            if exception not in ruleset.rules:
                raise RuleFileError(
                    f"{rule.file}: rule {rule.id!r} has unknown exception {exception!r}.")
    for contradiction in ruleset.contradictions:
        for atom in contradiction.atoms:
            problem = _check_atom(ruleset, atom) if atom.kind == "fact" else "must name facts"
            if problem:
                raise RuleFileError(f"facts.toml: contradiction {contradiction.why!r}: {problem}.")
    meta = ruleset.meta
    for name in [*meta.conclusions, *meta.elements, *meta.exclusion, *meta.non_refoulement]:
        if name not in ruleset.rules:
            raise RuleFileError(f"ruleset.toml: names unknown rule {name!r}.")
    for claim in ruleset.claims:
        for factor in claim.risk_factors:
            if factor not in ruleset.risk_factors:
                raise RuleFileError(f"coi.toml: claim {claim.id!r} names unknown risk factor "
                                    f"{factor!r}.")
    _check_cycles(ruleset)


def _check_cycles(ruleset: Ruleset) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(rule_id: str, path: list[str]) -> None:
        if state.get(rule_id) == 2:
            return
        if state.get(rule_id) == 1:
            loop = " -> ".join([*path[path.index(rule_id):], rule_id])
            raise RuleFileError(f"{ruleset.rules[rule_id].file}: rules depend on themselves: "
                                f"{loop}.")
        state[rule_id] = 1
        rule = ruleset.rules[rule_id]
        deps = [a.name for a in c.atoms(rule.when) if a.kind == "rule"] + list(rule.unless)
        for dep in deps:
            visit(dep, [*path, rule_id])
        state[rule_id] = 2

    for rule_id in ruleset.rules:
        visit(rule_id, [])
