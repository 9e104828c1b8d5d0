"""``surplace incident``: document violations, link sources' claims, count what is documented.

Sealed text (a claim's words, whereabouts, methods) is read from a JSON file given with
``--input`` rather than typed as options, which the shell would keep in its history.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from surplace.cli.common import (
    JsonOption,
    UsageProblem,
    emit_json,
    info,
    progress,
    read_input,
    stdout,
)
from surplace.cli.common import unlocked_store as _unlocked

app = typer.Typer(help="Incidents and acts: add, show, list, link claims, count, export.",
                  no_args_is_help=True)
act_app = typer.Typer(help="Acts within incidents: add, show, perpetrators, chains.",
                      no_args_is_help=True)
claim_app = typer.Typer(help="Sources' claims about acts: add one, or add a file of them.",
                        no_args_is_help=True)
app.add_typer(act_app, name="act")
app.add_typer(claim_app, name="claim")
app.add_typer(claim_app, name="claims", hidden=True)

Text = Annotated[str | None, typer.Option()]
Input = Annotated[Path | None, typer.Option(
    "--input", help="JSON file with more fields (sealed text goes here, not in options).")]


def _given(input_file: Path | None, **options: Any) -> dict[str, Any]:
    """The options that were given, over the fields of the ``--input`` file."""
    data = read_input(input_file)
    data.update({key: value for key, value in options.items() if value not in (None, [])})
    return data


def _perpetrators(units: list[str] | None, degree: str) -> list[dict[str, str]] | None:
    return [{"unit": unit, "degree": degree} for unit in units] if units else None


def _print_rows(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A table whose cells fold rather than cut: ids must stay whole to be typed back."""
    table = Table(title=title)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    stdout.print(table)


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Option(help="Short title (asked if omitted).")] = None,
    start_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    start_precision: Annotated[str | None, typer.Option(help="day, month or year.")] = None,
    end_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    place: Annotated[str | None, typer.Option(help="Gazetteer code or name, e.g. CN-JL.")
                     ] = None,
    status: Annotated[str | None, typer.Option(help="open, investigating or closed.")] = None,
    input_file: Input = None,
    as_json: JsonOption = False,
) -> None:
    """Open an incident (an event); its acts are added with 'act add' or from claims."""
    from surplace.incidents import service

    data = _given(input_file, title=title, start_date=start_date, place=place,
                  start_precision=start_precision, end_date=end_date, monitoring_status=status)
    if "title" not in data and sys.stdin.isatty():
        data["title"] = typer.prompt("Title", err=True)
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        result = service.add_incident(session, actor=unlocked.actor, data=data)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        info(f"Incident {result.id} opened.")


@app.command("show")
def show(ctx: typer.Context, incident_id: Annotated[str, typer.Argument(help="Incident id.")],
         as_json: JsonOption = False) -> None:
    """An incident with its acts, perpetrators, sources' information and interventions."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        result = service.show_incident(session, actor=unlocked.actor, incident_id=incident_id)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    stdout.print(f"[bold]{escape(result.title or '')}[/bold] ({result.id})", highlight=False)
    stdout.print(f"{result.start_date or 'date unknown'} · {result.place or 'place unknown'} "
                 f"· {result.monitoring_status}", highlight=False)
    _print_rows("Acts", ["act", "type", "victim", "date", "place", "sources", "perpetrators"],
                [[a.id, a.act_type, a.victim, a.date, a.place,
                  ", ".join(f"{i.source} {i.grade} ({i.link_status})" for i in a.information),
                  ", ".join(p.unit or p.person or "" for p in a.involvements)]
                 for a in result.act_list])


@app.command("list")
def list_incidents(
    ctx: typer.Context,
    act_type: Annotated[str | None, typer.Option(help="Only incidents with acts of a type.")
                        ] = None,
    year: Annotated[int | None, typer.Option(help="Only incidents with acts in a year.")] = None,
    status: Annotated[str | None, typer.Option(help="Monitoring status.")] = None,
    victim: Annotated[str | None, typer.Option(help="Victim's id or pseudonym.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 500,
    as_json: JsonOption = False,
) -> None:
    """Incidents, newest first."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        found = service.list_incidents(session, actor=unlocked.actor, act_type=act_type,
                                       year=year, monitoring_status=status, victim=victim,
                                       limit=limit)
    if as_json:
        emit_json([item.model_dump(mode="json") for item in found])
        return
    _print_rows("Incidents", ["id", "date", "place", "status", "acts", "types", "title"],
                [[i.id, i.start_date, i.place, i.monitoring_status, i.acts,
                  ", ".join(i.act_types), i.title] for i in found])
    info(f"{len(found)} incident(s).")


@app.command("status")
def set_status(ctx: typer.Context, incident_id: Annotated[str, typer.Argument()],
               status: Annotated[str, typer.Argument(help="open, investigating or closed.")]
               ) -> None:
    """Change an incident's monitoring status."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        service.set_monitoring_status(session, actor=unlocked.actor, incident_id=incident_id,
                                      status=status)
    info(f"Incident {incident_id} is {status}.")


@app.command("intervene")
def intervene(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    kind: Annotated[str, typer.Option(help="urgent_appeal, un_communication, …")],
    started_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")],
    acting_body: Annotated[str | None, typer.Option("--body", help="Who acted.")] = None,
    status: Text = None,
    completed_on: Annotated[str | None, typer.Option("--completed", help="YYYY-MM-DD.")
                            ] = None,
    input_file: Input = None,
    as_json: JsonOption = False,
) -> None:
    """Record an intervention on an incident (who acted, how, with what result)."""
    from surplace.incidents import service

    data = _given(input_file, incident_id=incident_id, kind=kind, started_on=started_on,
                  acting_body=acting_body, status=status, completed_on=completed_on)
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        result = service.add_intervention(session, actor=unlocked.actor, data=data)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        info(f"Intervention {result.id} recorded on incident {incident_id}.")


def _act_fields(kind: str | None, victim: str | None, date: str | None, precision: str | None,
                end_date: str | None, place: str | None, victim_status: str | None,
                detention_kind: str | None, detention_place: str | None,
                legal_counsel: bool | None, return_from: str | None, handed_to: str | None,
                crossing_point: str | None, perpetrator: list[str] | None,
                degree: str) -> dict[str, Any]:
    return {"act_type": kind, "victim": victim, "date": date, "date_precision": precision,
            "end_date": end_date, "place": place, "victim_status": victim_status,
            "detention_kind": detention_kind, "detention_place": detention_place,
            "legal_counsel": legal_counsel, "return_from_place": return_from,
            "handed_to_unit": handed_to, "crossing_point": crossing_point,
            "perpetrators": _perpetrators(perpetrator, degree)}


Kind = Annotated[str | None, typer.Option("--type", help="Act type, e.g. forced_return.")]
Victim = Annotated[str | None, typer.Option(help="Victim's person id or pseudonym.")]
Date = Annotated[str | None, typer.Option(help="YYYY-MM-DD (first day if month or year).")]
Precision = Annotated[str | None, typer.Option(help="day, month, year or unknown.")]
Place = Annotated[str | None, typer.Option(help="Gazetteer code or name.")]
Unit = Annotated[list[str] | None, typer.Option(help="Perpetrator unit (repeatable).")]
Degree = Annotated[str, typer.Option(help="Degree of involvement of --perpetrator.")]
Counsel = Annotated[bool | None, typer.Option("--legal-counsel/--no-legal-counsel")]


@act_app.command("add")
def act_add(
    ctx: typer.Context, kind: Kind = None, victim: Victim = None,
    incident: Annotated[str | None, typer.Option(help="Incident id (new one if omitted).")
                        ] = None,
    date: Date = None, precision: Precision = None, end_date: Date = None, place: Place = None,
    victim_status: Text = None, detention_kind: Text = None, detention_place: Place = None,
    legal_counsel: Counsel = None, return_from: Place = None, handed_to: Text = None,
    crossing_point: Place = None, perpetrator: Unit = None, degree: Degree = "unknown",
    source: Annotated[str | None, typer.Option(help="Source code: add its claim too.")] = None,
    connection: Annotated[str | None, typer.Option(help="With --source: witness, …")] = None,
    credibility: Annotated[int | None, typer.Option(help="With --source: 1 (best) to 6.")
                           ] = None,
    input_file: Input = None, as_json: JsonOption = False,
) -> None:
    """Add an act by hand. It is counted once a source describes it (give --source)."""
    from surplace.incidents import claims, service

    fields = _act_fields(kind, victim, date, precision, end_date, place, victim_status,
                         detention_kind, detention_place, legal_counsel, return_from,
                         handed_to, crossing_point, perpetrator, degree)
    data = _given(input_file, incident_id=incident, **fields)
    if (source is None) != (connection is None) or (credibility and source is None):
        raise UsageProblem("--source and --connection go together (with --credibility).")
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        act = service.add_act(session, actor=unlocked.actor, data=data)
        if source is not None:
            claim = {key: value for key, value in data.items()
                     if key not in ("method", "consequences", "whereabouts", "incident_id")}
            claim |= {"source": source, "connection": connection, "act_id": act.id}
            if credibility is not None:
                claim["credibility"] = credibility
            claims.add_claim(session, actor=unlocked.actor, data=claim)
            act = service.show_act(session, actor=unlocked.actor, act_id=act.id)
    if as_json:
        emit_json(act.model_dump(mode="json"))
    else:
        info(f"Act {act.id} added to incident {act.incident_id}"
             + ("." if act.documented else "; it counts once a source describes it."))


@act_app.command("show")
def act_show(ctx: typer.Context, act_id: Annotated[str, typer.Argument()],
             as_json: JsonOption = False) -> None:
    """One act with its perpetrators, information and chain."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        act = service.show_act(session, actor=unlocked.actor, act_id=act_id)
    if as_json:
        emit_json(act.model_dump(mode="json"))
        return
    table = Table(show_header=False)
    for key, value in act.model_dump(exclude={"information", "involvements", "chain"}).items():
        table.add_row(key, "" if value is None else str(value))
    for item in act.information:
        table.add_row("information", f"{item.source} {item.grade} {item.connection} "
                      f"({item.link_status})")
    stdout.print(table)


@act_app.command("perpetrator")
def act_perpetrator(
    ctx: typer.Context, act_id: Annotated[str, typer.Argument()],
    unit: Text = None,
    person: Annotated[str | None, typer.Option(help="Perpetrator's person id or pseudonym.")
                      ] = None,
    degree: Degree = "unknown", as_json: JsonOption = False,
) -> None:
    """Name a perpetrator unit or person of an act."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        row = service.add_involvement(session, actor=unlocked.actor, act_id=act_id,
                                      data=_given(None, unit=unit, person=person,
                                                  degree=degree))
    if as_json:
        emit_json(row.model_dump(mode="json"))
    else:
        info(f"Involvement {row.id} added to act {act_id}.")


@act_app.command("chain")
def act_chain(
    ctx: typer.Context, from_act: Annotated[str, typer.Argument()],
    to_act: Annotated[str, typer.Argument()],
    relation: Annotated[str, typer.Option(help="followed_by, handed_over, …")] = "followed_by",
    as_json: JsonOption = False,
) -> None:
    """Chain two acts: this one led to that one (arrest → detention → handover …)."""
    from surplace.incidents import service

    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        link = service.link_acts(session, actor=unlocked.actor, data={
            "from_act": from_act, "to_act": to_act, "relation": relation})
    if as_json:
        emit_json(link.model_dump(mode="json"))
    else:
        info(f"Act {from_act} {relation.replace('_', ' ')} act {to_act}.")


@claim_app.command("add")
def claim_add(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Source code.")] = None,
    kind: Kind = None, victim: Victim = None,
    connection: Annotated[str | None, typer.Option(help="victim, witness, relative, hearsay, "
                                                   "document, media or official.")] = None,
    date: Date = None, precision: Precision = None, end_date: Date = None, place: Place = None,
    credibility: Annotated[int | None, typer.Option(help="1 (confirmed) to 6.")] = None,
    reliability: Annotated[str | None, typer.Option(help="A-F (default: the source's).")
                           ] = None,
    reported_on: Date = None, language: Text = None,
    incident: Annotated[str | None, typer.Option(help="Incident the claim belongs to.")] = None,
    act: Annotated[str | None, typer.Option(help="Attach to this act (your decision).")
                   ] = None,
    victim_status: Text = None, detention_kind: Text = None, detention_place: Place = None,
    legal_counsel: Counsel = None, return_from: Place = None, handed_to: Text = None,
    crossing_point: Place = None, perpetrator: Unit = None, degree: Degree = "unknown",
    input_file: Input = None, as_json: JsonOption = False,
) -> None:
    """Add one source's claim: linked to the act it describes, queued, or a new act."""
    from surplace.incidents import claims

    fields = _act_fields(kind, victim, date, precision, end_date, place, victim_status,
                         detention_kind, detention_place, legal_counsel, return_from,
                         handed_to, crossing_point, perpetrator, degree)
    data = _given(input_file, source=source, connection=connection, credibility=credibility,
                  reliability=reliability, reported_on=reported_on, language=language,
                  incident_id=incident, act_id=act, **fields)
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        result = claims.add_claim(session, actor=unlocked.actor, data=data)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    where = {"linked": f"linked to act {result.act_id}", "new": f"a new act {result.act_id}",
             "pending": f"waiting for review ({len(result.candidates)} candidate(s))"}
    info(f"Information {result.information_id}: {where[result.outcome]}.")


@claim_app.command("add-file")
def claim_add_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) of claims.")],
    as_json: JsonOption = False,
) -> None:
    """Add every claim of a file in one transaction: all of them or none.

    Every row is checked first; if any is wrong, each wrong row is reported with its line
    number and reason and nothing is written.
    """
    from surplace.errors import InvalidInput
    from surplace.incidents import claimfile, claims
    from surplace.incidents.exceptions import ClaimRowsRejected

    if not path.is_file():
        raise UsageProblem(f"{path} is not a file.")
    rows, unreadable = claimfile.read(path)
    with _unlocked(ctx) as unlocked, unlocked.session() as session, progress() as bar:
        task = bar.add_task("Adding claims", total=len(rows))
        try:
            results = claims.add_claims(session, actor=unlocked.actor, rows=rows,
                                        unreadable=unreadable,
                                        on_each=lambda: bar.advance(task))
        except ClaimRowsRejected as error:
            bar.stop()
            for problem in error.problems[:50]:
                info(problem)
            raise InvalidInput(f"{len(error.problems)} row(s) of {path.name} are wrong; "
                               "nothing was added.") from None
    summary = {"added": len(results)} | {
        outcome: sum(r.outcome == outcome for r in results)
        for outcome in ("linked", "new", "pending")}
    if as_json:
        emit_json(summary | {"claims": [r.model_dump(mode="json") for r in results]})
    else:
        info(f"Added {summary['added']} claims: {summary['linked']} linked to acts already "
             f"documented, {summary['new']} new acts, {summary['pending']} for review.")


@app.command("link")
def link(
    ctx: typer.Context,
    accept: Annotated[str | None, typer.Option(help="Accept this candidate.")] = None,
    reject: Annotated[str | None, typer.Option(help="Reject this candidate.")] = None,
    undo: Annotated[str | None, typer.Option(help="Undo the last decision on it.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (sealed).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also decided candidates.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The review queue of claims that may describe an act already documented.

    With --accept, --reject or --undo, decide on one candidate instead.
    """
    from surplace.incidents import review

    chosen = [(name, value) for name, value in (("accept", accept), ("reject", reject),
                                                ("undo", undo)) if value]
    if len(chosen) > 1:
        raise UsageProblem("Give one of --accept, --reject or --undo.")
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        if chosen:
            decision, candidate = chosen[0]
            result = review.decide(session, actor=unlocked.actor, candidate_id=candidate,
                                   decision=decision, reason=reason)
            if as_json:
                emit_json(result.model_dump(mode="json"))
            else:
                info(f"Candidate {candidate}: {decision} done; the claim is {result.outcome}"
                     + (f" (act {result.act_id})." if result.act_id else "."))
            return
        queue = review.review_queue(session, actor=unlocked.actor, include_decided=show_all)
    if as_json:
        emit_json([item.model_dump(mode="json") for item in queue])
        return
    _print_rows("Claims to review", ["candidate", "score", "source", "victim", "type",
                                     "claim says", "act", "act says"],
                [[c.id, f"{c.score:.2f} {c.status}", c.source, c.victim, c.act_type,
                  f"{c.claim_date or '?'} ({c.claim_precision}) {c.claim_place or ''}",
                  c.act_id, f"{c.act_date or '?'} ({c.act_precision}) {c.act_place or ''}"]
                 for c in queue])
    info(f"{len(queue)} candidate(s).")


class By(StrEnum):
    act_type = "act_type"
    type = "type"
    year = "year"
    province = "province"
    perpetrator = "perpetrator"


Filter = Annotated[str | None, typer.Option()]


@app.command("count")
def count(
    ctx: typer.Context,
    by: Annotated[str, typer.Option(help="Comma-separated: type, year, province, "
                                    "perpetrator.")] = "type",
    act_type: Filter = None, year: Annotated[int | None, typer.Option()] = None,
    province: Filter = None, perpetrator: Filter = None,
    min_reliability: Annotated[str | None, typer.Option(
        help="'At least' counts: only sources graded this or better (A best).")] = None,
    max_credibility: Annotated[int | None, typer.Option(
        help="'At least' counts: only information graded this or better (1 best).")] = None,
    show_acts: Annotated[bool, typer.Option(help="List each count's act ids.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Documented acts by type, year, province or perpetrator, each traceable to its acts."""
    from surplace.incidents import counts

    dimensions = [part.strip() for part in by.split(",") if part.strip()]
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        result = counts.count_acts(
            session, actor=unlocked.actor, by=dimensions, act_type=act_type, year=year,
            province=province, perpetrator=perpetrator, min_reliability=min_reliability,
            max_credibility=max_credibility)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _print_rows(f"Documented acts ({result.total} in all)",
                [*result.by, "acts", "sources", *(["act ids"] if show_acts else [])],
                [[*row.key.values(), row.acts, ", ".join(row.sources),
                  *([", ".join(row.act_ids)] if show_acts else [])] for row in result.rows])


@app.command("histories")
def histories(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(help="CSV file to write (default: print).")
                      ] = None,
    sources: Annotated[str | None, typer.Option(help="Source codes, comma-separated.")] = None,
    act_type: Filter = None, year: Annotated[int | None, typer.Option()] = None,
    province: Filter = None, perpetrator: Filter = None, min_reliability: Filter = None,
    max_credibility: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Capture histories of documented acts over sources, for 'surplace estimate'."""
    from surplace.incidents import counts

    codes = None if sources is None else [s.strip() for s in sources.split(",") if s.strip()]
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        frame = counts.capture_histories(
            session, actor=unlocked.actor, sources=codes, act_type=act_type, year=year,
            province=province, perpetrator=perpetrator, min_reliability=min_reliability,
            max_credibility=max_credibility)
    text = frame.to_csv(index=False)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        info(f"Wrote {len(frame)} patterns ({int(frame['count'].sum())} acts) to {output}; "
             f"estimate with: surplace estimate {output}")


class Format(StrEnum):
    esf_json = "esf-json"
    esf_csv = "esf-csv"


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="esf-json or esf-csv.")
                   ] = Format.esf_json,
    output: Annotated[Path | None, typer.Option(
        help="File (esf-json; default: standard output) or folder (esf-csv).")] = None,
    incident: Annotated[list[str] | None, typer.Option(help="Only this incident (repeatable).")
                        ] = None,
) -> None:
    """Export in the HURIDOCS Events Standard Formats layout (JSON or CSV).

    Names go only to roles that may read identities; everyone else gets pseudonyms.
    """
    from surplace.incidents import esf

    if fmt is Format.esf_csv and output is None:
        raise UsageProblem("--format esf-csv writes one file per format: give --output FOLDER.")
    if fmt is Format.esf_csv and output is not None and output.exists() and any(
            output.iterdir()):
        raise UsageProblem(f"{output} is not empty; give a new or empty folder.")
    with _unlocked(ctx) as unlocked, unlocked.session() as session:
        document = esf.export(session, actor=unlocked.actor, incident_ids=incident or None)
    if fmt is Format.esf_csv and output is not None:
        written = esf.write_csv(document, output)
        info(f"Wrote {len(written)} files to {output} ({document['identities']}).")
    elif output is None:
        esf.write_json(document, sys.stdout)
    else:
        with output.open("w", encoding="utf-8") as handle:
            esf.write_json(document, handle)
        info(f"Wrote {output} ({document['identities']}).")
