"""``surplace case`` commands for the work on a case: alerts, interventions, assistance,
referrals and consent. Sensitive text comes from a prompt or ``--input``, never an option."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from surplace.cases import service
from surplace.cases.work_schemas import (
    AlertIn,
    AssistanceIn,
    ConsentIn,
    InterventionIn,
    InterventionUpdate,
    ReferralIn,
)
from surplace.cli.case_common import (
    InputFile,
    On,
    Ref,
    ask_for,
    case_session,
    emit,
    merge_options,
    parse_day,
    parse_moment,
    print_table,
)
from surplace.cli.common import JsonOption, emit_json, read_input, stdout

alert_app = typer.Typer(
    help="Urgent alerts: raise, resolve, list (overdue first).", no_args_is_help=True
)
intervention_app = typer.Typer(help="Interventions: start, update.", no_args_is_help=True)
referral_app = typer.Typer(help="Referrals: accept, decline, show, incoming.", no_args_is_help=True)
consent_app = typer.Typer(help="Consent: record, withdraw.", no_args_is_help=True)
commands = typer.Typer()


def register(app: typer.Typer) -> None:
    """Attach the work commands to ``surplace case``."""
    app.add_typer(alert_app, name="alert")
    app.add_typer(intervention_app, name="intervention")
    app.add_typer(referral_app, name="referral")
    app.add_typer(consent_app, name="consent")
    app.registered_commands.extend(commands.registered_commands)


@alert_app.command("raise")
def alert_raise(
    ctx: typer.Context,
    case: Ref,
    kind: Annotated[
        str, typer.Argument(help="detained, deportation_imminent, missing or medical_emergency.")
    ],
    priority: Annotated[
        int | None, typer.Option(min=1, max=5, help="1 (act now) to 5; default by kind.")
    ] = None,
    deadline: Annotated[
        str | None, typer.Option(help="ISO date and time with zone; default by kind.")
    ] = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Raise an alert (asks for a note). Detention or imminent deportation accelerates the
    case and sets its risk to critical."""
    raw = merge_options(
        read_input(input_file),
        kind=kind,
        priority=priority,
        deadline=parse_moment(deadline, "--deadline"),
    )
    ask_for(raw, "note", "What is known (where held, by whom, since when)")
    data = AlertIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        raised = service.raise_alert(session, actor=actor, case=case, data=data)
    extra = "; the case is now accelerated at critical risk" if raised.accelerated else ""
    emit(
        raised,
        as_json,
        f"Raised alert {raised.id} on case {raised.case_number}: "
        f"{raised.kind}, deadline {raised.deadline:%Y-%m-%d %H:%M} UTC"
        f"{extra}.",
    )


@alert_app.command("resolve")
def alert_resolve(
    ctx: typer.Context,
    alert: Annotated[str, typer.Argument(help="Alert id.")],
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve an alert (asks how it ended)."""
    raw = read_input(input_file)
    ask_for(raw, "resolution", "How it ended")
    with case_session(ctx) as (session, actor):
        done = service.resolve_alert(
            session, actor=actor, alert=alert, resolution=raw.get("resolution")
        )
    emit(done, as_json, f"Resolved alert {done.id} of case {done.case_number}.")


@alert_app.command("list")
def alert_list(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved alerts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Alerts of the cases you may read, overdue first, then by deadline."""
    with case_session(ctx) as (session, actor):
        found = service.list_alerts(session, actor=actor, case=case, include_resolved=all_)
    if as_json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    print_table(
        ["alert", "case", "kind", "priority", "deadline", "overdue", "resolved"],
        [
            [a.id, a.case_number, a.kind, a.priority, a.deadline, a.overdue, a.resolved_at]
            for a in found
        ],
    )


@intervention_app.command("start")
def intervention_start(
    ctx: typer.Context,
    case: Ref,
    kind: Annotated[
        str,
        typer.Argument(
            help="legal_aid, unhcr_contact, embassy_contact, shelter_move, advocacy, medical_care …"
        ),
    ],
    body: Annotated[str | None, typer.Option(help="Acting body (an organisation).")] = None,
    status: Annotated[str | None, typer.Option(help="pending (default), in_progress …")] = None,
    alert: Annotated[str | None, typer.Option(help="The alert it answers.")] = None,
    on: On = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Start an intervention (asks what is being done)."""
    raw = merge_options(
        read_input(input_file),
        kind=kind,
        acting_body=body,
        status=status,
        alert_id=alert,
        started_on=parse_day(on, "--on"),
    )
    ask_for(raw, "description", "What is being done, with whom")
    data = InterventionIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        started = service.start_intervention(session, actor=actor, case=case, data=data)
    emit(
        started,
        as_json,
        f"Started intervention {started.id} on case "
        f"{started.case_number}: {started.kind} ({started.status}).",
    )


@intervention_app.command("update")
def intervention_update(
    ctx: typer.Context,
    intervention: Annotated[str, typer.Argument(help="Intervention id.")],
    status: Annotated[str, typer.Argument(help="in_progress, succeeded, failed, abandoned.")],
    on: On = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Move an intervention on; an ended one asks for its outcome."""
    raw = merge_options(read_input(input_file), status=status, completed_on=parse_day(on, "--on"))
    ask_for(raw, "outcome_note", "What came of it")
    data = InterventionUpdate.model_validate(raw)
    with case_session(ctx) as (session, actor):
        done = service.update_intervention(
            session, actor=actor, intervention=intervention, data=data
        )
    emit(done, as_json, f"Intervention {done.id}: {done.status}.")


@commands.command("assist")
def assist(
    ctx: typer.Context,
    case: Ref,
    kind: Annotated[
        str, typer.Argument(help="food, medicine, shelter, cash, legal_aid or transport.")
    ],
    quantity: Annotated[float, typer.Argument(help="How much, in the unit.")],
    unit: Annotated[str | None, typer.Option(help="Unit (default by kind).")] = None,
    on: On = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Record assistance given (a note, from --input, says where it was handed over)."""
    raw = merge_options(
        read_input(input_file),
        kind=kind,
        quantity=quantity,
        unit=unit,
        given_on=parse_day(on, "--on"),
    )
    data = AssistanceIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        given = service.record_assistance(session, actor=actor, case=case, data=data)
    emit(
        given,
        as_json,
        f"Recorded {given.quantity:g} {given.unit} of {given.kind} for case "
        f"{given.case_number} on {given.given_on}.",
    )


@commands.command("totals")
def totals(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(help="Only this case.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="To this date, included.")] = None,
    whole: Annotated[
        bool, typer.Option("--whole-period", help="One total per kind, not per month.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Assistance totals by kind (and month), for reporting."""
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    with case_session(ctx) as (session, actor):
        found = service.assistance_totals(
            session, actor=actor, case=case, since=first, until=last, by_month=not whole
        )
    if as_json:
        emit_json([t.model_dump(mode="json") for t in found])
        return
    print_table(
        ["month", "kind", "quantity", "unit", "records", "cases"],
        [[t.month or "all", t.kind, f"{t.quantity:g}", t.unit, t.count, t.cases] for t in found],
    )


@commands.command("refer")
def refer(
    ctx: typer.Context,
    case: Ref,
    to_org: Annotated[
        str | None, typer.Option("--to-org", help="Organisation, as consent names it.")
    ] = None,
    to_user: Annotated[str | None, typer.Option("--to-user", help="Staff account name.")] = None,
    transfer: Annotated[bool, typer.Option("--transfer", help="Hand the case over.")] = False,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Refer or transfer a case; the package carries identity only with consent."""
    raw = merge_options(
        read_input(input_file),
        to_organisation=to_org,
        to_user=to_user,
        kind="transfer" if transfer else None,
    )
    ask_for(raw, "reason", "Reason for the referral")
    data = ReferralIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        made = service.refer_case(session, actor=actor, case=case, data=data)
    emit(
        made,
        as_json,
        f"Referral {made.id} of case {made.case_number} to "
        f"{made.to_organisation or made.to_user}: "
        f"{'with' if made.shares_identity else 'without'} identity.",
    )


def _answer(ctx: typer.Context, referral: str, accept: bool, as_json: bool) -> None:
    with case_session(ctx) as (session, actor):
        done = service.respond_to_referral(session, actor=actor, referral=referral, accept=accept)
    emit(done, as_json, f"Referral {done.id} of case {done.case_number}: {done.status}.")


@referral_app.command("accept")
def referral_accept(
    ctx: typer.Context,
    referral: Annotated[str, typer.Argument(help="Referral id.")],
    as_json: JsonOption = False,
) -> None:
    """Accept a referral addressed to you (or record an organisation's acceptance)."""
    _answer(ctx, referral, True, as_json)


@referral_app.command("decline")
def referral_decline(
    ctx: typer.Context,
    referral: Annotated[str, typer.Argument(help="Referral id.")],
    as_json: JsonOption = False,
) -> None:
    """Decline a referral addressed to you (or record an organisation's refusal)."""
    _answer(ctx, referral, False, as_json)


@referral_app.command("show")
def referral_show(
    ctx: typer.Context,
    referral: Annotated[str, typer.Argument(help="Referral id.")],
    as_json: JsonOption = False,
) -> None:
    """A referral with the package that travelled with it."""
    with case_session(ctx) as (session, actor):
        found = service.referral_package(session, actor=actor, referral=referral)
    if as_json:
        emit_json(found.model_dump(mode="json"))
    else:
        stdout.print_json(json.dumps(found.model_dump(mode="json"), ensure_ascii=False))


@referral_app.command("incoming")
def referral_incoming(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Pending referrals addressed to you."""
    with case_session(ctx) as (session, actor):
        found = service.incoming_referrals(session, actor=actor)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in found])
        return
    print_table(
        ["referral", "case", "kind", "from", "at"],
        [[r.id, r.case_number, r.kind, r.referred_by, r.referred_at] for r in found],
    )


@consent_app.command("record")
def consent_record(
    ctx: typer.Context,
    case: Ref,
    scope: Annotated[str, typer.Argument(help="identity, case_file, medical or statistics.")],
    recipient: Annotated[
        str | None, typer.Option(help="Organisation, staff account or 'any' (the default).")
    ] = None,
    person: Annotated[
        str | None, typer.Option(help="Member's pseudonym (default the principal).")
    ] = None,
    refused: Annotated[bool, typer.Option("--refused", help="Record a refusal.")] = False,
    on: On = None,
    input_file: InputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Record consent given (or refused) by a member of the case (asks how it was obtained)."""
    raw = merge_options(
        read_input(input_file),
        scope=scope,
        recipient=recipient,
        person=person,
        recorded_on=parse_day(on, "--on"),
    )
    raw["given"] = not refused
    ask_for(raw, "note", "How consent was obtained")
    data = ConsentIn.model_validate(raw)
    with case_session(ctx) as (session, actor):
        done = service.record_consent(session, actor=actor, case=case, data=data)
    emit(
        done,
        as_json,
        f"Consent {done.id}: {done.person} "
        f"{'gave' if done.given else 'refused'} {done.scope} for "
        f"{done.recipient}.",
    )


@consent_app.command("withdraw")
def consent_withdraw(
    ctx: typer.Context,
    consent: Annotated[str, typer.Argument(help="Consent id.")],
    on: On = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw a consent from a date (default today)."""
    withdrawn = parse_day(on, "--on")
    with case_session(ctx) as (session, actor):
        done = service.withdraw_consent(session, actor=actor, consent=consent, on=withdrawn)
    emit(done, as_json, f"Consent {done.id} withdrawn on {done.withdrawn_on}.")
