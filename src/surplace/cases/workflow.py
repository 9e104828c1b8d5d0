"""The case workflow as a state machine whose states and transitions are data (workflow.toml).

The engine is deliberately small: it knows the rule kinds the data file uses (allowed source
states, required inputs, "decided by someone other than whoever did step X", outcome
conditions, the appeal deadline) and refuses any move the data does not allow, naming the rule.
A hand-written checker rather than a state-machine library: the rules are few, each refusal must
say which rule stopped it in a caseworker's words, and the whole table has to stay a data file
that a protection officer can read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from surplace.cases.exceptions import IllegalTransition

WORKFLOW_FILE = Path(__file__).with_name("workflow.toml")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    requires: tuple[str, ...] = ()
    different_actor_from: str | None = None
    outcome_in: tuple[str, ...] = ()
    within_appeal_deadline: bool = False


@dataclass(frozen=True)
class Workflow:
    version: str
    initial: str
    appeal_days: int
    states: dict[str, dict[str, str]]
    transitions: dict[str, Transition]
    modalities: dict[str, dict[str, str]]
    outcomes: dict[str, dict[str, str]]

    def allowed_from(self, state: str) -> list[str]:
        return [t.name for t in self.transitions.values() if state in t.sources]


@cache
def workflow() -> Workflow:
    with WORKFLOW_FILE.open("rb") as handle:
        raw: dict[str, Any] = tomllib.load(handle)
    transitions = {
        name: Transition(
            name=name, sources=tuple(spec["from"]), target=spec["to"],
            requires=tuple(spec.get("requires", ())),
            different_actor_from=spec.get("different_actor_from"),
            outcome_in=tuple(spec.get("outcome_in", ())),
            within_appeal_deadline=bool(spec.get("within_appeal_deadline", False)),
        )
        for name, spec in raw["transitions"].items()
    }
    flow = Workflow(version=raw["version"], initial=raw["initial"],
                    appeal_days=int(raw["appeal_days"]), states=raw["states"],
                    transitions=transitions, modalities=raw["modalities"],
                    outcomes=raw["outcomes"])
    _check_consistency(flow)
    return flow


def _check_consistency(flow: Workflow) -> None:
    for item in flow.transitions.values():
        for state in (*item.sources, item.target):
            if state not in flow.states:
                raise ValueError(f"workflow.toml: transition {item.name} names unknown state "
                                 f"{state!r}")
        for outcome in item.outcome_in:
            if outcome not in flow.outcomes:
                raise ValueError(f"workflow.toml: transition {item.name} names unknown outcome "
                                 f"{outcome!r}")


@dataclass
class CaseState:
    """What the engine needs to know about a case to judge a transition."""

    status: str
    outcome: str | None = None
    appeal_deadline: date | None = None
    #: (transition name, acting user id) in the order they happened
    history: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Move:
    transition: Transition
    target: str
    appeal_deadline: date | None = None


def appeal_deadline(notified_on: date) -> date:
    return notified_on + timedelta(days=workflow().appeal_days)


def plan(case: CaseState, name: str, *, actor_id: str, inputs: dict[str, Any],
         today: date) -> Move:
    """Judge one transition; returns what it does or raises IllegalTransition saying why."""
    flow = workflow()
    item = flow.transitions.get(name)
    if item is None:
        raise IllegalTransition(f"There is no transition {name!r}; from {case.status} the "
                                f"allowed ones are: {', '.join(flow.allowed_from(case.status))}.")
    if case.status not in item.sources:
        allowed = ", ".join(flow.allowed_from(case.status)) or "none"
        raise IllegalTransition(
            f"Cannot {name.replace('_', ' ')} a case that is {case.status}: it must be "
            f"{' or '.join(item.sources)}. Allowed from {case.status}: {allowed}.")
    missing = [key for key in item.requires if inputs.get(key) in (None, "")]
    if missing:
        raise IllegalTransition(f"{name.replace('_', ' ').capitalize()} needs: "
                                f"{', '.join(missing)}.")
    if item.different_actor_from:
        earlier = [who for step, who in case.history if step == item.different_actor_from]
        if earlier and earlier[-1] == actor_id:
            raise IllegalTransition(
                f"{name.replace('_', ' ').capitalize()} must be done by someone other than "
                f"the officer who did '{item.different_actor_from.replace('_', ' ')}'.")
    if item.outcome_in and case.outcome not in item.outcome_in:
        raise IllegalTransition(
            f"{name.replace('_', ' ').capitalize()} applies only to a case whose outcome is "
            f"{' or '.join(item.outcome_in)}; this one is {case.outcome or 'undecided'}.")
    if item.within_appeal_deadline and case.appeal_deadline and today > case.appeal_deadline:
        raise IllegalTransition(
            f"The appeal deadline was {case.appeal_deadline.isoformat()}; an appeal lodged "
            "after it needs the case to be re-opened on new facts.")
    outcome = inputs.get("outcome")
    if outcome is not None and outcome not in flow.outcomes:
        raise IllegalTransition(f"Unknown outcome {outcome!r}; choose one of "
                                f"{', '.join(flow.outcomes)}.")
    modality = inputs.get("modality")
    if modality is not None and modality not in flow.modalities:
        raise IllegalTransition(f"Unknown processing modality {modality!r}; choose one of "
                                f"{', '.join(flow.modalities)}.")
    deadline = None
    if name == "notify":
        notified_on = inputs["notified_on"]
        if notified_on > today:
            raise IllegalTransition("The notification date is in the future.")
        deadline = appeal_deadline(notified_on) if case.outcome == "rejection" else None
    return Move(transition=item, target=item.target, appeal_deadline=deadline)
