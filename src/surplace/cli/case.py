"""``surplace case``: open, show, list, move through the workflow, record the work on a case.

Anything a person said or that would find them (a summary, a location, a reason, an interview
record, a note, a relationship) is never an option, because options end up in the shell's
history: the command asks for it at a terminal, or takes it from a JSON file given with
``--input`` (its keys are the service's field names). Codes, dates, staff account names and
pseudonyms are options. Every command that produces a result takes ``--json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.schemas import CaseIn, CaseUpdate, InterviewIn, MemberIn
from surplace.cases.work_schemas import (
    AlertIn,
    AssistanceIn,
    ConsentIn,
    InterventionIn,
    InterventionUpdate,
    ReferralIn,
)
from surplace.cases.workflow import workflow
from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, stdout, unlocked_store

app = typer.Typer(help="Protection cases: open, show, list, transition, interview, alert, "
                  "assist, refer, timeline.", no_args_is_help=True)
alert_app = typer.Typer(help="Urgent alerts: raise, resolve, list (overdue first).",
                        no_args_is_help=True)
intervention_app = typer.Typer(help="Interventions: start, update.", no_args_is_help=True)
referral_app = typer.Typer(help="Referrals: accept, decline, show, incoming.",
                           no_args_is_help=True)
consent_app = typer.Typer(help="Consent: record, withdraw.", no_args_is_help=True)
app.add_typer(alert_app, name="alert")
app.add_typer(intervention_app, name="intervention")
app.add_typer(referral_app, name="referral")
app.add_typer(consent_app, name="consent")

Ref = Annotated[str, typer.Argument(help="Case number (SP-2026-000123) or case id.")]
InputFile = Annotated[Path | None, typer.Option(
    "--input", help="JSON file with the sensitive fields (kept out of the shell history).")]
On = Annotated[str | None, typer.Option("--on", help="Date it happened, YYYY-MM-DD "
                                                     "(default today; never in the future).")]


@contextmanager
def _work(ctx: typer.Context) -> Iterator[tuple[Session, Actor]]:
    with unlocked_store(ctx) as unlocked, unlocked.session() as session:
        yield session, unlocked.actor


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"{option}: {value!r} is not a date and time "
                           "(e.g. 2026-12-01T18:00+08:00).") from None
    if moment.tzinfo is None:
        raise UsageProblem(f"{option}: {value!r} has no time zone (e.g. +08:00 for Yanji).")
    return moment


def _input(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        # The message names no value from the file: only where it failed.
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise UsageProblem(f"--input: cannot read {path}: {reason}.") from None
    if not isinstance(raw, dict):
        raise UsageProblem(f"--input: {path} must hold one JSON object.")
    return raw


def _ask(raw: dict[str, Any], key: str, label: str) -> None:
    """Fill ``raw[key]`` from a prompt when it is missing and a person is at the terminal."""
    if raw.get(key) is None and sys.stdin.isatty():
        value = str(typer.prompt(label, default="", show_default=False, err=True)).strip()
        if value:
            raw[key] = value


def _set(raw: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Options given on the command line win over the input file."""
    raw.update({key: value for key, value in values.items() if value not in (None, [], ())})
    return raw


def _emit(result: BaseModel | list[Any], as_json: bool, message: str) -> None:
    if as_json:
        emit_json(result.model_dump(mode="json") if isinstance(result, BaseModel)
                  else [item.model_dump(mode="json") for item in result])
    else:
        info(message)


def _table(columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    # Piped into a file or another program, a line is not cut at 80 columns: case numbers and
    # ids must stay whole to be found again.
    (stdout if stdout.is_terminal else Console(width=1000, soft_wrap=True)).print(table)


@app.command("open")
def open_case(
    ctx: typer.Context,
    principal: Annotated[str | None, typer.Option(help="Pseudonym or id of the principal "
                                                       "applicant (a registered person).")] = None,
    member: Annotated[list[str] | None, typer.Option(
        help="Pseudonym of a family member with derivative status (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Language code, e.g. ko.")] = None,
    need: Annotated[list[str] | None, typer.Option(
        help="Specific-need code, e.g. unaccompanied_child (repeatable; --input keeps it out "
             "of the shell history).")] = None,
    risk: Annotated[str | None, typer.Option(help="normal, high or critical.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Owning organisation.")] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case; you are assigned to it. Asks for the summary and current location."""
    raw = _set(_input(input_file), principal=principal, languages=language,
               specific_needs=need, risk=risk, organisation=organisation)
    members = list(raw.get("members") or [])
    for code in member or []:
        entry: dict[str, Any] = {"person": code}
        _ask(entry, "relationship", f"Relationship of {code} to the principal")
        members.append(entry)
    raw["members"] = members
    _ask(raw, "summary", "Summary of the claim")
    _ask(raw, "current_location", "Current location")
    if not raw.get("principal"):
        raise UsageProblem("Give --principal (a pseudonym) or 'principal' in --input.")
    data = CaseIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        opened = service.open_case(session, actor=actor, data=data)
    _emit(opened, as_json, f"Opened case {opened.case_number} for {opened.principal} "
                           f"(id {opened.id}).")


@app.command("show")
def show(ctx: typer.Context, case: Ref, as_json: JsonOption = False) -> None:
    """The whole case file (every sealed field read is audited)."""
    with _work(ctx) as (session, actor):
        shown = service.show_case(session, actor=actor, case=case)
    if as_json:
        emit_json(shown.model_dump(mode="json"))
        return
    fields = shown.model_dump(exclude={"members", "caseworkers", "transitions", "interviews",
                                       "alerts", "interventions", "assistance", "referrals",
                                       "consents"})
    _table(["field", "value"], [[key, value] for key, value in fields.items()])
    _table(["member", "role", "derivative", "relationship", "names"],
           [[m.pseudonym, m.role, m.derivative, m.relationship, "; ".join(m.names)]
            for m in shown.members])
    _table(["alert", "kind", "priority", "deadline", "overdue", "resolved"],
           [[a.id, a.kind, a.priority, a.deadline, a.overdue, a.resolved_at]
            for a in shown.alerts])
    info(f"Caseworkers: {', '.join(w.name for w in shown.caseworkers) or 'none'}. "
         f"{len(shown.interviews)} interview(s), {len(shown.interventions)} intervention(s), "
         f"{len(shown.assistance)} assistance record(s), {len(shown.referrals)} referral(s); "
         f"'surplace case timeline {shown.case_number}' has the history.")


@app.command("list")
def list_cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only cases in this state.")] = None,
    risk: Annotated[str | None, typer.Option(help="Only cases at this risk.")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only cases assigned to me.")] = False,
    urgent: Annotated[bool, typer.Option(
        "--urgent", help="Only cases with open alerts: overdue first, then by deadline.")
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Cases you may read; cases with overdue alerts always come first. Nothing is decrypted."""
    with _work(ctx) as (session, actor):
        found = service.list_cases(session, actor=actor, status=status, risk=risk, mine=mine,
                                   urgent=urgent, limit=limit)
    if as_json:
        emit_json([c.model_dump(mode="json") for c in found])
        return
    _table(["case", "principal", "status", "processing", "risk", "open alerts", "overdue",
            "next deadline"],
           [[c.case_number, c.principal, c.status, c.processing, c.risk, c.open_alerts,
             c.overdue_alerts, c.next_deadline] for c in found])
    info(f"{len(found)} case(s).")


@app.command("transition")
def transition(
    ctx: typer.Context,
    case: Ref,
    name: Annotated[str, typer.Argument(help="The step: " + ", ".join(workflow().transitions)
                                        + ".")],
    on: On = None,
    outcome: Annotated[str | None, typer.Option(help="decide, decide_appeal: "
                                                     + ", ".join(workflow().outcomes))] = None,
    modality: Annotated[str | None, typer.Option(help="decide_processing: " + ", ".join(
        workflow().modalities) + " (accelerated by default at critical risk).")] = None,
    notified_on: Annotated[str | None, typer.Option(help="notify: date the decision was "
                                                         "notified.")] = None,
    method: Annotated[str | None, typer.Option(help="notify: how (in person, letter …).")
                      ] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Move a case by one workflow step. Asks for the reason where the step needs one; an
    override of accelerated processing needs 'override_reason' in --input."""
    flow = workflow()
    inputs = _set(_input(input_file), outcome=outcome, modality=modality,
                  notified_on=_day(notified_on, "--notified-on"), method=method)
    if name in flow.transitions and "reason" in flow.transitions[name].requires:
        _ask(inputs, "reason", "Reason")
    with _work(ctx) as (session, actor):
        moved = service.transition(session, actor=actor, case=case, name=name, inputs=inputs,
                                   on=_day(on, "--on"))
    extra = f"; appeal deadline {moved.details['appeal_deadline']}" if (
        moved.details and "appeal_deadline" in moved.details) else ""
    _emit(moved, as_json, f"Case {moved.case_number}: {moved.transition} "
                          f"{moved.from_status} → {moved.to_status}{extra}.")


@app.command("interview")
def interview(
    ctx: typer.Context,
    case: Ref,
    on: Annotated[str | None, typer.Option("--on", help="Date held, YYYY-MM-DD "
                                                        "(default today).")] = None,
    interviewer: Annotated[str | None, typer.Option(help="Staff account (default you).")
                           ] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. ko.")] = None,
    duration: Annotated[int | None, typer.Option(help="Minutes.")] = None,
    interpreter_undertaking: Annotated[bool, typer.Option(
        "--interpreter-undertaking", help="The interpreter signed the confidentiality "
                                          "undertaking.")] = False,
    read_back: Annotated[bool, typer.Option("--read-back", help="The record was read back.")
                         ] = False,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Record an interview (record, interpreter, attendees, applicant_comments and facts come
    from --input or prompts); moves a case waiting for its interview to 'interviewed'."""
    raw = _set(_input(input_file), held_on=_day(on, "--on"), interviewer=interviewer,
               language=language, duration_minutes=duration)
    raw.setdefault("held_on", date.today())
    raw["interpreter_undertaking"] = interpreter_undertaking or raw.get(
        "interpreter_undertaking", False)
    raw["read_back"] = read_back or raw.get("read_back", False)
    _ask(raw, "record", "Interview record")
    data = InterviewIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        done = service.record_interview(session, actor=actor, case=case, data=data)
    moved = f"; case moved by {done.transition}" if done.transition else ""
    _emit(done, as_json, f"Recorded interview {done.id} of case {done.case_number}{moved}.")


@app.command("timeline")
def timeline(ctx: typer.Context, case: Ref, as_json: JsonOption = False) -> None:
    """Everything that happened to a case, in order."""
    with _work(ctx) as (session, actor):
        entries = service.timeline(session, actor=actor, case=case)
    if as_json:
        emit_json([e.model_dump(mode="json") for e in entries])
        return
    _table(["on", "kind", "what", "by", "ref"],
           [[e.on, e.kind, e.title, e.actor, e.ref] for e in entries])


@app.command("member")
def member(
    ctx: typer.Context, case: Ref,
    person: Annotated[str, typer.Argument(help="Pseudonym or id of the family member.")],
    not_derivative: Annotated[bool, typer.Option(
        "--not-derivative", help="The member does not share the principal's status.")] = False,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Add a family member to a case (asks for the relationship)."""
    raw = _set(_input(input_file), person=person)
    raw["derivative"] = not not_derivative
    _ask(raw, "relationship", "Relationship to the principal")
    data = MemberIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        added = service.add_member(session, actor=actor, case=case, data=data)
    _emit(added, as_json, f"Added {added.pseudonym} to case {case}.")


@app.command("update")
def update(
    ctx: typer.Context, case: Ref,
    risk: Annotated[str | None, typer.Option(help="normal, high or critical.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Languages (replaces them).")
                        ] = None,
    need: Annotated[list[str] | None, typer.Option(help="Specific needs (replaces them).")
                    ] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Change a case's risk, languages or needs; summary and current_location via --input."""
    raw = _set(_input(input_file), risk=risk, languages=language, specific_needs=need)
    if risk is not None:
        _ask(raw, "reason", "Reason for the change of risk")
    data = CaseUpdate.model_validate(raw)
    with _work(ctx) as (session, actor):
        changed = service.update_case(session, actor=actor, case=case, data=data)
    _emit(changed, as_json, f"Updated case {changed.case_number} (risk {changed.risk}).")


@app.command("assign")
def assign(
    ctx: typer.Context, case: Ref,
    user: Annotated[str, typer.Argument(help="Staff account name.")],
    end: Annotated[bool, typer.Option("--end", help="End the assignment instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Assign a caseworker to a case (administrators)."""
    with _work(ctx) as (session, actor):
        if end:
            service.end_assignment(session, actor=actor, case=case, user=user)
            result: dict[str, Any] = {"case": case, "user": user, "assigned": False}
        else:
            worker = service.assign_caseworker(session, actor=actor, case=case, user=user)
            result = {"case": case, "user": worker.name, "assigned": True}
    if as_json:
        emit_json(result)
    else:
        info(f"{'Ended' if end else 'Made'} the assignment of {user} to case {case}.")


@app.command("grant")
def grant(
    ctx: typer.Context, case: Ref,
    user: Annotated[str, typer.Argument(help="Staff account name.")],
    write: Annotated[bool, typer.Option("--write", help="Read and work on the case.")] = False,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the user's grants.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give a caseworker access to a case without assigning it (administrators)."""
    with _work(ctx) as (session, actor):
        if revoke:
            count = service.revoke_access(session, actor=actor, case=case, user=user)
            result: dict[str, Any] = {"case": case, "user": user, "revoked": count}
        else:
            result = {"case": case, "user": user, "grant": service.grant_access(
                session, actor=actor, case=case, user=user,
                permission="write" if write else "read")}
    if as_json:
        emit_json(result)
    else:
        info(f"Revoked {result['revoked']} grant(s)." if revoke else
             f"Granted {user} {'write' if write else 'read'} access to case {case}.")


@alert_app.command("raise")
def alert_raise(
    ctx: typer.Context, case: Ref,
    kind: Annotated[str, typer.Argument(help="detained, deportation_imminent, missing or "
                                             "medical_emergency.")],
    priority: Annotated[int | None, typer.Option(min=1, max=5, help="1 (act now) to 5; "
                                                 "default by kind.")] = None,
    deadline: Annotated[str | None, typer.Option(help="ISO date and time with zone; "
                                                      "default by kind.")] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Raise an alert (asks for a note). Detention or imminent deportation accelerates the
    case and sets its risk to critical."""
    raw = _set(_input(input_file), kind=kind, priority=priority,
               deadline=_moment(deadline, "--deadline"))
    _ask(raw, "note", "What is known (where held, by whom, since when)")
    data = AlertIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        raised = service.raise_alert(session, actor=actor, case=case, data=data)
    extra = "; the case is now accelerated at critical risk" if raised.accelerated else ""
    _emit(raised, as_json, f"Raised alert {raised.id} on case {raised.case_number}: "
                           f"{raised.kind}, deadline {raised.deadline:%Y-%m-%d %H:%M} UTC"
                           f"{extra}.")


@alert_app.command("resolve")
def alert_resolve(
    ctx: typer.Context, alert: Annotated[str, typer.Argument(help="Alert id.")],
    input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Resolve an alert (asks how it ended)."""
    raw = _input(input_file)
    _ask(raw, "resolution", "How it ended")
    with _work(ctx) as (session, actor):
        done = service.resolve_alert(session, actor=actor, alert=alert,
                                     resolution=raw.get("resolution"))
    _emit(done, as_json, f"Resolved alert {done.id} of case {done.case_number}.")


@alert_app.command("list")
def alert_list(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved alerts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Alerts of the cases you may read, overdue first, then by deadline."""
    with _work(ctx) as (session, actor):
        found = service.list_alerts(session, actor=actor, case=case, include_resolved=all_)
    if as_json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    _table(["alert", "case", "kind", "priority", "deadline", "overdue", "resolved"],
           [[a.id, a.case_number, a.kind, a.priority, a.deadline, a.overdue, a.resolved_at]
            for a in found])


@intervention_app.command("start")
def intervention_start(
    ctx: typer.Context, case: Ref,
    kind: Annotated[str, typer.Argument(help="legal_aid, unhcr_contact, embassy_contact, "
                                             "shelter_move, advocacy, medical_care …")],
    body: Annotated[str | None, typer.Option(help="Acting body (an organisation).")] = None,
    status: Annotated[str | None, typer.Option(help="pending (default), in_progress …")
                      ] = None,
    alert: Annotated[str | None, typer.Option(help="The alert it answers.")] = None,
    on: On = None, input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Start an intervention (asks what is being done)."""
    raw = _set(_input(input_file), kind=kind, acting_body=body, status=status, alert_id=alert,
               started_on=_day(on, "--on"))
    _ask(raw, "description", "What is being done, with whom")
    data = InterventionIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        started = service.start_intervention(session, actor=actor, case=case, data=data)
    _emit(started, as_json, f"Started intervention {started.id} on case "
                            f"{started.case_number}: {started.kind} ({started.status}).")


@intervention_app.command("update")
def intervention_update(
    ctx: typer.Context, intervention: Annotated[str, typer.Argument(help="Intervention id.")],
    status: Annotated[str, typer.Argument(help="in_progress, succeeded, failed, abandoned.")],
    on: On = None, input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Move an intervention on; an ended one asks for its outcome."""
    raw = _set(_input(input_file), status=status, completed_on=_day(on, "--on"))
    _ask(raw, "outcome_note", "What came of it")
    data = InterventionUpdate.model_validate(raw)
    with _work(ctx) as (session, actor):
        done = service.update_intervention(session, actor=actor, intervention=intervention,
                                           data=data)
    _emit(done, as_json, f"Intervention {done.id}: {done.status}.")


@app.command("assist")
def assist(
    ctx: typer.Context, case: Ref,
    kind: Annotated[str, typer.Argument(help="food, medicine, shelter, cash, legal_aid or "
                                             "transport.")],
    quantity: Annotated[float, typer.Argument(help="How much, in the unit.")],
    unit: Annotated[str | None, typer.Option(help="Unit (default by kind).")] = None,
    on: On = None, input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Record assistance given (a note, from --input, says where it was handed over)."""
    raw = _set(_input(input_file), kind=kind, quantity=quantity, unit=unit,
               given_on=_day(on, "--on"))
    data = AssistanceIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        given = service.record_assistance(session, actor=actor, case=case, data=data)
    _emit(given, as_json, f"Recorded {given.quantity:g} {given.unit} of {given.kind} for case "
                          f"{given.case_number} on {given.given_on}.")


@app.command("totals")
def totals(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="To this date, included.")] = None,
    whole: Annotated[bool, typer.Option("--whole-period", help="One total per kind, not per "
                                                               "month.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Assistance totals by kind (and month), for reporting."""
    first, last = _day(since, "--since"), _day(until, "--until")
    with _work(ctx) as (session, actor):
        found = service.assistance_totals(session, actor=actor, case=case, since=first,
                                          until=last, by_month=not whole)
    if as_json:
        emit_json([t.model_dump(mode="json") for t in found])
        return
    _table(["month", "kind", "quantity", "unit", "records", "cases"],
           [[t.month or "all", t.kind, f"{t.quantity:g}", t.unit, t.count, t.cases]
            for t in found])


@app.command("refer")
def refer(
    ctx: typer.Context, case: Ref,
    to_org: Annotated[str | None, typer.Option("--to-org", help="Organisation, as consent "
                                                                "names it.")] = None,
    to_user: Annotated[str | None, typer.Option("--to-user", help="Staff account name.")
                       ] = None,
    transfer: Annotated[bool, typer.Option("--transfer", help="Hand the case over.")] = False,
    input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Refer or transfer a case; the package carries identity only with consent."""
    raw = _set(_input(input_file), to_organisation=to_org, to_user=to_user,
               kind="transfer" if transfer else None)
    _ask(raw, "reason", "Reason for the referral")
    data = ReferralIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        made = service.refer_case(session, actor=actor, case=case, data=data)
    _emit(made, as_json, f"Referral {made.id} of case {made.case_number} to "
                         f"{made.to_organisation or made.to_user}: "
                         f"{'with' if made.shares_identity else 'without'} identity.")


def _answer(ctx: typer.Context, referral: str, accept: bool, as_json: bool) -> None:
    with _work(ctx) as (session, actor):
        done = service.respond_to_referral(session, actor=actor, referral=referral,
                                           accept=accept)
    _emit(done, as_json, f"Referral {done.id} of case {done.case_number}: {done.status}.")


@referral_app.command("accept")
def referral_accept(ctx: typer.Context, referral: Annotated[str, typer.Argument(
        help="Referral id.")], as_json: JsonOption = False) -> None:
    """Accept a referral addressed to you (or record an organisation's acceptance)."""
    _answer(ctx, referral, True, as_json)


@referral_app.command("decline")
def referral_decline(ctx: typer.Context, referral: Annotated[str, typer.Argument(
        help="Referral id.")], as_json: JsonOption = False) -> None:
    """Decline a referral addressed to you (or record an organisation's refusal)."""
    _answer(ctx, referral, False, as_json)


@referral_app.command("show")
def referral_show(ctx: typer.Context, referral: Annotated[str, typer.Argument(
        help="Referral id.")], as_json: JsonOption = False) -> None:
    """A referral with the package that travelled with it."""
    with _work(ctx) as (session, actor):
        found = service.referral_package(session, actor=actor, referral=referral)
    if as_json:
        emit_json(found.model_dump(mode="json"))
    else:
        stdout.print_json(json.dumps(found.model_dump(mode="json"), ensure_ascii=False))


@referral_app.command("incoming")
def referral_incoming(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Pending referrals addressed to you."""
    with _work(ctx) as (session, actor):
        found = service.incoming_referrals(session, actor=actor)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in found])
        return
    _table(["referral", "case", "kind", "from", "at"],
           [[r.id, r.case_number, r.kind, r.referred_by, r.referred_at] for r in found])


@consent_app.command("record")
def consent_record(
    ctx: typer.Context, case: Ref,
    scope: Annotated[str, typer.Argument(help="identity, case_file, medical or statistics.")],
    recipient: Annotated[str | None, typer.Option(
        help="Organisation, staff account or 'any' (the default).")] = None,
    person: Annotated[str | None, typer.Option(help="Member's pseudonym (default the "
                                                    "principal).")] = None,
    refused: Annotated[bool, typer.Option("--refused", help="Record a refusal.")] = False,
    on: On = None, input_file: InputFile = None, as_json: JsonOption = False,
) -> None:
    """Record consent given (or refused) by a member of the case (asks how it was obtained)."""
    raw = _set(_input(input_file), scope=scope, recipient=recipient, person=person,
               recorded_on=_day(on, "--on"))
    raw["given"] = not refused
    _ask(raw, "note", "How consent was obtained")
    data = ConsentIn.model_validate(raw)
    with _work(ctx) as (session, actor):
        done = service.record_consent(session, actor=actor, case=case, data=data)
    _emit(done, as_json, f"Consent {done.id}: {done.person} "
                         f"{'gave' if done.given else 'refused'} {done.scope} for "
                         f"{done.recipient}.")


@consent_app.command("withdraw")
def consent_withdraw(
    ctx: typer.Context, consent: Annotated[str, typer.Argument(help="Consent id.")],
    on: On = None, as_json: JsonOption = False,
) -> None:
    """Withdraw a consent from a date (default today)."""
    withdrawn = _day(on, "--on")
    with _work(ctx) as (session, actor):
        done = service.withdraw_consent(session, actor=actor, consent=consent, on=withdrawn)
    _emit(done, as_json, f"Consent {done.id} withdrawn on {done.withdrawn_on}.")
