"""Moving a case through the workflow: the store's side of :mod:`surplace.cases.workflow`.

The engine judges a move from a :class:`~surplace.cases.workflow.CaseState` built here from the
case's columns and its transition history; this module refuses what needs the store to judge
(dates in the future or before the case's last step, an interview of another case), writes one
append-only :class:`~surplace.cases.models.CaseTransition` with the reason and other inputs
sealed, and updates the case's clear columns. Every row written lands in the audit chain through
the flush events.

Besides workflow steps the history holds *notes*: rows whose status does not change, written
when something outside the workflow changes how the case is handled (``accelerate`` when an
alert of detention or imminent deportation is raised, ``set_risk`` when a caseworker changes the
risk level). They are in the timeline and the audit chain like any step; the engine ignores them.

Processing modality: anyone at risk of refoulement or detention is accelerated by default
(Procedural Standards, Aide-Memoire on case processing). A case whose risk is ``critical`` — set
by hand, or by raising such an alert, which also presets ``processing`` before the decision —
gets ``accelerated`` when ``decide_processing`` is given no modality, and any other modality is
refused unless the inputs carry an ``override_reason`` (sealed with the step).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.cases.exceptions import CaseInputError, IllegalTransition
from surplace.cases.lookup import case_for, in_past, json_scalar, now, user_names
from surplace.cases.models import Case, CaseTransition, Interview
from surplace.cases.schemas import TransitionOut
from surplace.cases.views import transition_out
from surplace.cases.workflow import CaseState, plan, workflow
from surplace.store.base import as_utc

#: Steps that decide something about the claim; the rest are case work.
DECIDING = {"review": "case.decide", "decide": "case.decide", "decide_appeal": "case.decide",
            "cancel": "case.decide"}
NOTES = ("accelerate", "set_risk")
_INPUT_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_OWN_COLUMNS = ("reason", "outcome", "modality")


def history(session: Session, case_id: str) -> list[CaseTransition]:
    query = (select(CaseTransition).where(CaseTransition.case_id == case_id)
             .order_by(CaseTransition.at, CaseTransition.id))
    return list(session.scalars(query))


def case_state(case: Case, rows: list[CaseTransition]) -> CaseState:
    """What the engine needs: the outcome in force (the appeal's once there is one)."""
    steps = [(row.transition, row.actor_id) for row in rows if row.transition not in NOTES]
    return CaseState(status=case.status, outcome=case.appeal_outcome or case.outcome,
                     appeal_deadline=case.appeal_deadline, history=steps)


def _date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CaseInputError(f"{what}: {value!r} is not a date (YYYY-MM-DD).") from None


def normalise(inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs with text stripped, codes lower-cased and dates parsed; empty values dropped."""
    clean: dict[str, Any] = {}
    for key, value in inputs.items():
        if not _INPUT_KEY.match(key):
            raise CaseInputError(f"Transition input {key!r} is not a snake_case name.")
        if isinstance(value, str):
            value = value.strip()
            if key in ("outcome", "modality"):
                value = value.lower()
        if value in (None, ""):
            continue
        if key == "notified_on":
            value = _date(value, "notification date")
        elif not json_scalar(value):
            raise CaseInputError(f"Transition input {key!r} must be text, a number or yes/no.")
        elif isinstance(value, str) and len(value) > 20_000:
            raise CaseInputError(f"Transition input {key!r} is longer than 20000 characters.")
        clean[key] = value
    return clean


def _choose_modality(case: Case, inputs: dict[str, Any]) -> None:
    at_risk = case.risk == "critical" or case.processing == "accelerated"
    modality = inputs.get("modality") or ("accelerated" if at_risk else None)
    if at_risk and modality != "accelerated" and not inputs.get("override_reason"):
        raise IllegalTransition(
            f"Case {case.case_number} is at risk of refoulement or detention (risk "
            f"{case.risk}, processing preset {case.processing or 'none'}): processing is "
            f"accelerated by default, and choosing {modality} needs an override reason.")
    if modality is not None:
        inputs["modality"] = modality


def _check_interview(session: Session, case: Case, inputs: dict[str, Any]) -> None:
    interview_id = inputs.get("interview")
    if interview_id is None:
        return
    row = session.get(Interview, str(interview_id))
    if row is None or row.case_id != case.id:
        raise CaseInputError(f"No interview {interview_id!r} on case {case.case_number}.")


def _update_case(case: Case, name: str, target: str, inputs: dict[str, Any],
                 deadline: date | None) -> None:
    case.status = target
    if name == "decide_processing":
        case.processing = inputs["modality"]
    elif name == "decide":
        case.outcome, case.appeal_outcome, case.appeal_deadline = inputs["outcome"], None, None
    elif name == "notify":
        case.appeal_deadline = deadline
    elif name == "decide_appeal":
        case.appeal_outcome = inputs["outcome"]
    elif name == "close":
        case.closed_at = now()
    elif name == "cancel":
        case.closed_at = as_utc(case.closed_at) or now()
    elif name == "reopen":
        # A re-opened case is decided afresh: the old decision stays in the history only.
        case.closed_at = case.outcome = case.appeal_outcome = case.appeal_deadline = None
        case.processing = "accelerated" if case.risk == "critical" else None


def apply(session: Session, actor: Actor, case: Case, name: str, inputs: dict[str, Any],
          on: date | None) -> CaseTransition:
    """Judge and record one step on a case whose access is already checked."""
    values = normalise(inputs)
    if name == "notify" and on is None and "notified_on" in values:
        on = values["notified_on"]
    effective = in_past(on, "effective date")
    if name == "notify":
        values.setdefault("notified_on", effective)
        in_past(values["notified_on"], "notification date")
    rows = history(session, case.id)
    item = workflow().transitions.get(name)
    if item is not None and case.status in item.sources:  # else the engine says why not
        if name == "decide_processing":
            _choose_modality(case, values)
        if name == "record_interview":
            _check_interview(session, case, values)
    move = plan(case_state(case, rows), name, actor_id=actor.user_id, inputs=values,
                today=effective)
    steps = [row for row in rows if row.transition not in NOTES]
    if steps and effective < steps[-1].effective_on:
        last = steps[-1]
        raise CaseInputError(
            f"Effective date {effective.isoformat()} is before case {case.case_number}'s last "
            f"step ({last.transition} on {last.effective_on.isoformat()}).")
    from_status = case.status
    _update_case(case, name, move.target, values, move.appeal_deadline)
    row = CaseTransition(
        case_id=case.id, transition=name, from_status=from_status, to_status=move.target,
        actor_id=actor.user_id, at=now(), effective_on=effective,
        outcome=values.get("outcome") if name in ("decide", "decide_appeal") else None,
        modality=values.get("modality") if name == "decide_processing" else None,
        workflow_version=workflow().version)
    row.reason = values.get("reason")
    details = {key: (value.isoformat() if isinstance(value, date) else value)
               for key, value in values.items() if key not in _OWN_COLUMNS}
    if move.appeal_deadline is not None:
        details["appeal_deadline"] = move.appeal_deadline.isoformat()
    row.details = details or None
    session.add(row)
    return row


def note(session: Session, actor: Actor, case: Case, name: str, *, reason: str | None,
         details: dict[str, Any], modality: str | None = None) -> CaseTransition:
    """Record a change of handling that is not a workflow step (see the module docstring)."""
    assert name in NOTES
    row = CaseTransition(
        case_id=case.id, transition=name, from_status=case.status, to_status=case.status,
        actor_id=actor.user_id, at=now(), effective_on=in_past(None, "date"),
        modality=modality, workflow_version=workflow().version)
    row.reason = reason
    row.details = details
    session.add(row)
    return row


def transition(session: Session, *, actor: Actor, case: str, name: str,
               inputs: dict[str, Any] | None = None, on: date | None = None) -> TransitionOut:
    """Move a case (id or number) by the named workflow step, effective ``on`` (default today).

    ``inputs`` holds what the step needs (``reason``, ``outcome``, ``modality``,
    ``notified_on``, ``interview``, ``override_reason``) and any other short facts (a
    notification ``method``), all sealed but the outcome and modality. An illegal step raises
    :class:`IllegalTransition` naming the rule; nothing is written then.
    """
    row_case = case_for(session, actor, case, DECIDING.get(name, "case.write"))
    row = apply(session, actor, row_case, name, dict(inputs or {}), on)
    session.flush()
    return transition_out(row, row_case.case_number, user_names(session, [row.actor_id]))


def transitions_of(session: Session, *, actor: Actor, case: str) -> list[TransitionOut]:
    row_case = case_for(session, actor, case, "case.read")
    rows = history(session, row_case.id)
    names = user_names(session, [row.actor_id for row in rows])
    return [transition_out(row, row_case.case_number, names) for row in rows]
