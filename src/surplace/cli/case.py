"""``surplace case``: open, show, list, move through the workflow, record the work on a case.

Anything a person said or that would find them (a summary, a location, a reason, an interview
record, a note, a relationship) is never an option, because options end up in the shell's
history: the command asks for it at a terminal, or takes it from a JSON file given with
``--input`` (its keys are the service's field names). Codes, dates, staff account names and
pseudonyms are options. Every command that produces a result takes ``--json``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from surplace.cases import service
from surplace.cases.schemas import CaseIn, CaseUpdate, InterviewIn, MemberIn
from surplace.cases.workflow import workflow
from surplace.cli import case_work
from surplace.cli.case_common import (
    InputFile,
    On,
    Ref,
    ask_for,
    case_session,
    emit,
    merge_options,
    parse_day,
    print_table,
)
from surplace.cli.common import JsonOption, UsageProblem, emit_json, info, read_input

app = typer.Typer(
    help="Protection cases: open, show, list, transition, interview, alert, "
    "assist, refer, timeline.",
    no_args_is_help=True,
)


@app.command("open")
def open_case(
    ctx: typer.Context,
    principal: Annotated[
        str | None,
        typer.Option(help="Pseudonym or id of the principal applicant (a registered person)."),
    ] = None,
    member: Annotated[
        list[str] | None,
        typer.Option(help="Pseudonym of a family member with derivative status (repeatable)."),
    ] = None,
    language: Annotated[list[str] | None, typer.Option(help="Language code, e.g. ko.")] = None,
    need: Annotated[
        list[str] | None,
        typer.Option(
            help="Specific-need code, e.g. unaccompanied_child (repeatable; --input keeps it out "
            "of the shell history)."
        ),
    ] = None,
    risk: Annotated[str | None, typer.Option(help="normal, high or critical.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Owning organisation.")] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case; you are assigned to it. Asks for the summary and current location."""
    raw = merge_options(
        read_input(input_file),
        principal=principal,
        languages=language,
        specific_needs=need,
        risk=risk,
        organisation=organisation,
    )
    members = list(raw.get("members") or [])
    for code in member or []:
        entry: dict[str, Any] = {"person": code}
        ask_for(entry, "relationship", f"Relationship of {code} to the principal")
        members.append(entry)
    raw["members"] = members
    ask_for(raw, "summary", "Summary of the claim")
    ask_for(raw, "current_location", "Current location")
    if not raw.get("principal"):
        raise UsageProblem("Give --principal (a pseudonym) or 'principal' in --input.")
    data = CaseIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        opened = service.open_case(session, actor=actor, data=data)
    emit(
        opened,
        as_json,
        f"Opened case {opened.case_number} for {opened.principal} (id {opened.id}).",
    )


@app.command("show")
def show(ctx: typer.Context, case: Ref, as_json: JsonOption = False) -> None:
    """The whole case file (every sealed field read is audited)."""
    with case_session(ctx) as (session, actor):
        shown = service.show_case(session, actor=actor, case=case)
    if as_json:
        emit_json(shown.model_dump(mode="json"))
        return
    fields = shown.model_dump(
        exclude={
            "members",
            "caseworkers",
            "transitions",
            "interviews",
            "alerts",
            "interventions",
            "assistance",
            "referrals",
            "consents",
        }
    )
    print_table(["field", "value"], [[key, value] for key, value in fields.items()])
    print_table(
        ["member", "role", "derivative", "relationship", "names"],
        [
            [m.pseudonym, m.role, m.derivative, m.relationship, "; ".join(m.names)]
            for m in shown.members
        ],
    )
    print_table(
        ["alert", "kind", "priority", "deadline", "overdue", "resolved"],
        [[a.id, a.kind, a.priority, a.deadline, a.overdue, a.resolved_at] for a in shown.alerts],
    )
    info(
        f"Caseworkers: {', '.join(w.name for w in shown.caseworkers) or 'none'}. "
        f"{len(shown.interviews)} interview(s), {len(shown.interventions)} intervention(s), "
        f"{len(shown.assistance)} assistance record(s), {len(shown.referrals)} referral(s); "
        f"'surplace case timeline {shown.case_number}' has the history."
    )


@app.command("list")
def list_cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only cases in this state.")] = None,
    risk: Annotated[str | None, typer.Option(help="Only cases at this risk.")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only cases assigned to me.")] = False,
    urgent: Annotated[
        bool,
        typer.Option(
            "--urgent", help="Only cases with open alerts: overdue first, then by deadline."
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Cases you may read; cases with overdue alerts always come first. Nothing is decrypted."""
    with case_session(ctx) as (session, actor):
        found = service.list_cases(
            session, actor=actor, status=status, risk=risk, mine=mine, urgent=urgent, limit=limit
        )
    if as_json:
        emit_json([c.model_dump(mode="json") for c in found])
        return
    print_table(
        [
            "case",
            "principal",
            "status",
            "processing",
            "risk",
            "open alerts",
            "overdue",
            "next deadline",
        ],
        [
            [
                c.case_number,
                c.principal,
                c.status,
                c.processing,
                c.risk,
                c.open_alerts,
                c.overdue_alerts,
                c.next_deadline,
            ]
            for c in found
        ],
    )
    info(f"{len(found)} case(s).")


@app.command("transition")
def transition(
    ctx: typer.Context,
    case: Ref,
    name: Annotated[
        str, typer.Argument(help="The step: " + ", ".join(workflow().transitions) + ".")
    ],
    on: On = None,
    outcome: Annotated[
        str | None, typer.Option(help="decide, decide_appeal: " + ", ".join(workflow().outcomes))
    ] = None,
    modality: Annotated[
        str | None,
        typer.Option(
            help="decide_processing: "
            + ", ".join(workflow().modalities)
            + " (accelerated by default at critical risk)."
        ),
    ] = None,
    notified_on: Annotated[
        str | None, typer.Option(help="notify: date the decision was notified.")
    ] = None,
    method: Annotated[str | None, typer.Option(help="notify: how (in person, letter …).")] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Move a case by one workflow step. Asks for the reason where the step needs one; an
    override of accelerated processing needs 'override_reason' in --input."""
    flow = workflow()
    inputs = merge_options(
        read_input(input_file),
        outcome=outcome,
        modality=modality,
        notified_on=parse_day(notified_on, "--notified-on"),
        method=method,
    )
    if name in flow.transitions and "reason" in flow.transitions[name].requires:
        ask_for(inputs, "reason", "Reason")
    with case_session(ctx) as (session, actor):
        moved = service.transition(
            session, actor=actor, case=case, name=name, inputs=inputs, on=parse_day(on, "--on")
        )
    extra = (
        f"; appeal deadline {moved.details['appeal_deadline']}"
        if (moved.details and "appeal_deadline" in moved.details)
        else ""
    )
    emit(
        moved,
        as_json,
        f"Case {moved.case_number}: {moved.transition} "
        f"{moved.from_status} → {moved.to_status}{extra}.",
    )


@app.command("interview")
def interview(
    ctx: typer.Context,
    case: Ref,
    on: Annotated[
        str | None, typer.Option("--on", help="Date held, YYYY-MM-DD (default today).")
    ] = None,
    interviewer: Annotated[str | None, typer.Option(help="Staff account (default you).")] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. ko.")] = None,
    duration: Annotated[int | None, typer.Option(help="Minutes.")] = None,
    interpreter_undertaking: Annotated[
        bool,
        typer.Option(
            "--interpreter-undertaking",
            help="The interpreter signed the confidentiality undertaking.",
        ),
    ] = False,
    read_back: Annotated[
        bool, typer.Option("--read-back", help="The record was read back.")
    ] = False,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Record an interview (record, interpreter, attendees, applicant_comments and facts come
    from --input or prompts); moves a case waiting for its interview to 'interviewed'."""
    raw = merge_options(
        read_input(input_file),
        held_on=parse_day(on, "--on"),
        interviewer=interviewer,
        language=language,
        duration_minutes=duration,
    )
    raw.setdefault("held_on", date.today())
    raw["interpreter_undertaking"] = interpreter_undertaking or raw.get(
        "interpreter_undertaking", False
    )
    raw["read_back"] = read_back or raw.get("read_back", False)
    ask_for(raw, "record", "Interview record")
    data = InterviewIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        done = service.record_interview(session, actor=actor, case=case, data=data)
    moved = f"; case moved by {done.transition}" if done.transition else ""
    emit(done, as_json, f"Recorded interview {done.id} of case {done.case_number}{moved}.")


@app.command("timeline")
def timeline(ctx: typer.Context, case: Ref, as_json: JsonOption = False) -> None:
    """Everything that happened to a case, in order."""
    with case_session(ctx) as (session, actor):
        entries = service.timeline(session, actor=actor, case=case)
    if as_json:
        emit_json([e.model_dump(mode="json") for e in entries])
        return
    print_table(
        ["on", "kind", "what", "by", "ref"],
        [[e.on, e.kind, e.title, e.actor, e.ref] for e in entries],
    )


@app.command("member")
def member(
    ctx: typer.Context,
    case: Ref,
    person: Annotated[str, typer.Argument(help="Pseudonym or id of the family member.")],
    not_derivative: Annotated[
        bool,
        typer.Option("--not-derivative", help="The member does not share the principal's status."),
    ] = False,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Add a family member to a case (asks for the relationship)."""
    raw = merge_options(read_input(input_file), person=person)
    raw["derivative"] = not not_derivative
    ask_for(raw, "relationship", "Relationship to the principal")
    data = MemberIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        added = service.add_member(session, actor=actor, case=case, data=data)
    emit(added, as_json, f"Added {added.pseudonym} to case {case}.")


@app.command("update")
def update(
    ctx: typer.Context,
    case: Ref,
    risk: Annotated[str | None, typer.Option(help="normal, high or critical.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Languages (replaces them).")] = None,
    need: Annotated[list[str] | None, typer.Option(help="Specific needs (replaces them).")] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Change a case's risk, languages or needs; summary and current_location via --input."""
    raw = merge_options(read_input(input_file), risk=risk, languages=language, specific_needs=need)
    if risk is not None:
        ask_for(raw, "reason", "Reason for the change of risk")
    data = CaseUpdate.model_validate(raw)
    with case_session(ctx) as (session, actor):
        changed = service.update_case(session, actor=actor, case=case, data=data)
    emit(changed, as_json, f"Updated case {changed.case_number} (risk {changed.risk}).")


@app.command("assign")
def assign(
    ctx: typer.Context,
    case: Ref,
    user: Annotated[str, typer.Argument(help="Staff account name.")],
    end: Annotated[bool, typer.Option("--end", help="End the assignment instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Assign a caseworker to a case (administrators)."""
    with case_session(ctx) as (session, actor):
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
    ctx: typer.Context,
    case: Ref,
    user: Annotated[str, typer.Argument(help="Staff account name.")],
    write: Annotated[bool, typer.Option("--write", help="Read and work on the case.")] = False,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the user's grants.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give a caseworker access to a case without assigning it (administrators)."""
    with case_session(ctx) as (session, actor):
        if revoke:
            count = service.revoke_access(session, actor=actor, case=case, user=user)
            result: dict[str, Any] = {"case": case, "user": user, "revoked": count}
        else:
            result = {
                "case": case,
                "user": user,
                "grant": service.grant_access(
                    session,
                    actor=actor,
                    case=case,
                    user=user,
                    permission="write" if write else "read",
                ),
            }
    if as_json:
        emit_json(result)
    else:
        info(
            f"Revoked {result['revoked']} grant(s)."
            if revoke
            else f"Granted {user} {'write' if write else 'read'} access to case {case}."
        )


# The work commands come after the case file's own in --help.
case_work.register(app)
