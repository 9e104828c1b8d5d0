"""The rule engine: three-valued evaluation with justification trees and questions to ask.

Written here rather than taken from a rules library: forward-chaining engines (durable-rules,
pyDatalog, experta) work in two values, where a missing fact is false, and return answers without
the tree of reasons an assessment must show. This evaluator is small on purpose:

- Values are strong Kleene (:mod:`surplace.assessment.logic`): an absent fact is unknown, and
  unknown propagates; it is never read as false.
- A rule is its condition combined with its ordered exceptions (default logic as in Catala): the
  rule holds when the condition holds and no exception holds. The first exception established is
  named as the one that defeats it; an exception still unknown leaves the rule unknown.
- A testimonial fact given as ``"unsubstantiated"`` counts as true only while the benefit of the
  doubt (Handbook 203-204) is established; otherwise it is unknown.
- Country information counts only if dated on or before ``as_of``; the claims relied on are cited.
- Questions: every absent fact is tried with each value it could take; a fact ranks by how many
  of the three conclusions some answer would change, then by how many findings it would change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from surplace.assessment import conditions as c
from surplace.assessment.exceptions import AssessmentError
from surplace.assessment.facts import UNSUBSTANTIATED, Facts, FactValue, atom_truth, contradictions
from surplace.assessment.loader import Ruleset, default_ruleset
from surplace.assessment.logic import Outcome, all_of, any_of, from_bool, negate
from surplace.assessment.results import (
    AssessmentResult,
    CitationOut,
    ClaimUse,
    Conflict,
    FactUse,
    Node,
    Question,
    mark_label,
)
from surplace.assessment.spec import ClaimSpec, Mark

BENEFIT_OF_THE_DOUBT = "benefit_of_the_doubt"


@dataclass(frozen=True)
class Parameters:
    jurisdiction: str = "unhcr"
    as_of: date = date(2026, 11, 30)
    state_bound_iccpr: bool = False


class Evaluation:
    """One run of the rules on one set of facts; outcomes are computed once and remembered."""

    def __init__(self, ruleset: Ruleset, values: dict[str, FactValue], params: Parameters):
        self.ruleset, self.values, self.params = ruleset, values, params
        self.claims = [claim for claim in ruleset.claims if claim.date <= params.as_of]
        self.param_values: dict[str, Any] = {
            "jurisdiction": params.jurisdiction, "state_bound_iccpr": params.state_bound_iccpr}
        self._outcomes: dict[str, Outcome] = {}

    def outcome(self, rule_id: str) -> Outcome:
        if rule_id not in self._outcomes:
            rule = self.ruleset.rules[rule_id]
            parts = [self.cond(rule.when)] + [negate(self.outcome(e)) for e in rule.unless]
            self._outcomes[rule_id] = all_of(parts)
        return self._outcomes[rule_id]

    def cond(self, cond: c.Cond) -> Outcome:
        if isinstance(cond, c.Atom):
            return self.atom(cond)
        if isinstance(cond, c.Not):
            return negate(self.cond(cond.part))
        results = [self.cond(part) for part in cond.parts]
        return all_of(results) if isinstance(cond, c.All) else any_of(results)

    def atom(self, atom: c.Atom) -> Outcome:
        if atom.kind == "rule":
            return self.outcome(atom.name)
        if atom.kind == "coi":
            return from_bool(bool(self.claims_for(atom.name)))
        if atom.kind == "param":
            value = self.param_values[atom.name]
            if isinstance(value, bool):
                expected = atom.value != "false"
                return from_bool((value is expected) == (atom.op != "!="))
            return from_bool((value == atom.value) == (atom.op != "!="))
        return self.fact_atom(atom)[0]

    def fact_atom(self, atom: c.Atom) -> tuple[Outcome, bool]:
        """The atom's outcome and whether the benefit of the doubt carried it."""
        spec = self.ruleset.facts[atom.name]
        value = self.values.get(atom.name)
        if value == UNSUBSTANTIATED:
            if self.outcome(BENEFIT_OF_THE_DOUBT) is not Outcome.established:
                return Outcome.unknown, False
            return from_bool(bool(atom_truth(spec, True, atom))), True
        truth = atom_truth(spec, value, atom)
        return (Outcome.unknown if truth is None else from_bool(truth)), False

    def claims_for(self, factor: str) -> list[ClaimSpec]:
        return [claim for claim in self.claims if factor in claim.risk_factors]

    def node(self, rule_id: str, *, deep: bool = True) -> Node:
        rule = self.ruleset.rules[rule_id]
        facts: list[FactUse] = []
        claims: list[ClaimUse] = []
        params: dict[str, Any] = {}
        children: list[Node] = []
        for atom in c.atoms(rule.when):
            if atom.kind == "fact":
                outcome, carried = self.fact_atom(atom)
                value = self.values.get(atom.name)
                facts.append(FactUse(name=atom.name, condition=str(atom), known=value is not None,
                                     value=_plain(value), outcome=outcome,
                                     via_benefit_of_the_doubt=carried))
            elif atom.kind == "coi":
                claims += [_claim(claim) for claim in self.claims_for(atom.name)
                           if claim.id not in {seen.id for seen in claims}]
            elif atom.kind == "param":
                params[atom.name] = self.param_values[atom.name]
            elif deep:
                children.append(self.node(atom.name))
        if deep and any(self.values.get(f.name) == UNSUBSTANTIATED for f in facts):
            children.append(self.node(BENEFIT_OF_THE_DOUBT))
        exceptions = [self.node(e, deep=deep) for e in rule.unless] if deep else []
        defeated = next((e for e in rule.unless if self.outcome(e) is Outcome.established), None)
        return Node(rule=rule.id, title=rule.title, text=rule.text, outcome=self.outcome(rule_id),
                    condition=c.describe(rule.when),
                    citations=[_citation(x) for x in rule.citations],
                    facts=facts, claims=claims, parameters=params, children=children,
                    exceptions=exceptions, defeated_by=defeated)


def _plain(value: FactValue | None) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _citation(spec: Any) -> CitationOut:
    return CitationOut(instrument=spec.instrument, pinpoint=spec.pinpoint, mark=spec.mark,
                       verified=spec.mark is Mark.V, label=mark_label(spec.mark), note=spec.note)


def _claim(spec: ClaimSpec) -> ClaimUse:
    return ClaimUse(id=spec.id, statement=spec.statement, source=spec.source, url=spec.url,
                    date=spec.date, mark=spec.mark, verified=spec.mark is Mark.V,
                    label=mark_label(spec.mark))


def conclusions(ruleset: Ruleset, values: dict[str, FactValue],
                params: Parameters) -> dict[str, Outcome]:
    run = Evaluation(ruleset, values, params)
    return {name: run.outcome(name) for name in ruleset.meta.conclusions}


def _findings(ruleset: Ruleset) -> list[str]:
    meta = ruleset.meta
    return [*meta.elements, *meta.exclusion, *meta.non_refoulement]


def _trial_values(ruleset: Ruleset, name: str) -> list[FactValue]:
    spec = ruleset.facts[name]
    if spec.type == "bool":
        return [True, False]
    if spec.type == "enum":
        return list(spec.values)
    points: list[FactValue] = []
    for rule in ruleset.rules.values():
        for atom in c.atoms(rule.when):
            if atom.kind == "fact" and atom.name == name and atom.value is not None:
                if spec.type == "int":
                    v = int(atom.value)
                    points += [n for n in (v - 1, v, v + 1) if n >= 0]
                else:
                    d = date.fromisoformat(atom.value)
                    points += [d - timedelta(days=1), d, d + timedelta(days=1)]
    return points


def questions(ruleset: Ruleset, facts: Facts, params: Parameters) -> list[Question]:
    """Absent facts that could change a finding, most decisive first."""
    base = Evaluation(ruleset, dict(facts.values), params)
    findings = _findings(ruleset)
    before = {name: base.outcome(name) for name in [*ruleset.meta.conclusions, *findings]}
    used = {a.name for rule in ruleset.rules.values() for a in c.atoms(rule.when)
            if a.kind == "fact"}
    ranked: list[tuple[int, int, int, Question]] = []
    for order, name in enumerate(ruleset.facts):
        if name in facts.values or name not in used:
            continue
        changed: set[str] = set()
        for value in _trial_values(ruleset, name):
            trial = {**facts.values, name: value}
            if contradictions(trial, ruleset):
                continue
            run = Evaluation(ruleset, trial, params)
            changed |= {key for key, was in before.items() if run.outcome(key) is not was}
        top = [key for key in ruleset.meta.conclusions if key in changed]
        rest = len(changed & set(findings))
        if top or rest:
            spec = ruleset.facts[name]
            ranked.append((-len(top), -rest, order, Question(
                fact=name, question=spec.question or spec.help, help=spec.help,
                conclusions_changed=len(top), conclusions=top, findings_changed=rest)))
    return [item[3] for item in sorted(ranked, key=lambda item: item[:3])]


def _cited(node: Node, seen: set[str]) -> None:
    seen.add(node.rule)
    for child in [*node.children, *node.exceptions]:
        _cited(child, seen)


def _count_unverified(nodes: list[Node]) -> int:
    total = 0
    for node in nodes:
        total += sum(not x.verified for x in node.citations) + sum(not x.verified
                                                                   for x in node.claims)
    return total


def assess(facts: Facts, *, jurisdiction: str = "unhcr", as_of: date | None = None,
           state_bound_iccpr: bool = False, ruleset: Ruleset | None = None) -> AssessmentResult:
    """Run the rule set on the facts: conclusions, trees, findings and questions to ask."""
    ruleset = ruleset or default_ruleset()
    allowed = ruleset.parameters["jurisdiction"].values
    if jurisdiction not in allowed:
        raise AssessmentError(f"Unknown jurisdiction {jurisdiction!r}: use one of "
                              f"{', '.join(allowed)}.")
    params = Parameters(jurisdiction, as_of or date.today(), state_bound_iccpr)
    run = Evaluation(ruleset, dict(facts.values), params)
    meta = ruleset.meta
    trees = {name: run.node(name) for name in meta.conclusions}
    shallow = {name: run.node(name, deep=False) for name in _findings(ruleset)}
    cited: set[str] = set()
    for tree in trees.values():
        _cited(tree, cited)
    # An element found established is a reason the draft relies on, even off the main tree.
    cited |= {name for name in meta.elements if run.outcome(name) is Outcome.established}
    return AssessmentResult(
        ruleset_version=ruleset.version, jurisdiction=jurisdiction, as_of=params.as_of,
        state_bound_iccpr=state_bound_iccpr, facts_sha256=facts.sha256(),
        facts=facts.canonical(), conclusions={name: run.outcome(name) for name in trees},
        refugee_status=trees["refugee_status"], non_refoulement=trees["non_refoulement"],
        complementary_protection=trees["complementary_protection"],
        elements=[shallow[name] for name in meta.elements],
        exclusion=[shallow[name] for name in meta.exclusion],
        non_refoulement_grounds=[shallow[name] for name in meta.non_refoulement],
        questions=questions(ruleset, facts, params),
        conflicts=[Conflict(**vars(x)) for x in facts.conflicts],
        claims_after_as_of=[x.id for x in ruleset.claims if x.date > params.as_of],
        unverified_citations=_count_unverified(list(shallow.values())),
        cited_rules=sorted(cited))
