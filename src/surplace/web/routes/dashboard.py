"""The dashboard: what needs attention and where things stand, block by block, each block
shown only to a role the policy lets read it.

- cases by status and open urgent alerts: roles that read cases (their own cases);
  roles that read only aggregates see the counts of every case with small cells suppressed;
- incidents (count and the most recent): roles that read incidents;
- persons (count): roles that read identities or aggregates;
- latest estimates with a chart drawn on the server: roles that read aggregates.

Which block a role sees is asked of the policy (``actor.can``); the data come from the
services, which check again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from surplace.estimation import runs
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_cases import counts_by_status, open_alerts
from surplace.web.views_common import EVERYONE, locale_of, term_labeller
from surplace.web.views_incidents import IncidentFilters, incident_page
from surplace.web.views_records import count_persons
from surplace.web.views_svg import Bar, estimates_chart

router = APIRouter()

ACCESS: dict[str, frozenset[str]] = {"GET /": EVERYONE}

#: Counts below this are shown as "fewer than" to roles that see aggregates only.
SMALL_CELL = 5


def suppress(counts: dict[str, int]) -> tuple[dict[str, int | None], bool]:
    """Counts with cells from 1 to ``SMALL_CELL - 1`` hidden (``None``). A single hidden cell
    could be recovered from the total, so the next smallest cell is hidden with it (secondary
    suppression) and the total is then not shown. Zero cells are not sensitive and stay 0."""
    hidden = {key for key, value in counts.items() if 0 < value < SMALL_CELL}
    if len(hidden) == 1:
        others = sorted((value, key) for key, value in counts.items()
                        if key not in hidden and value > 0)
        if others:
            hidden.add(others[0][1])
    return {key: (None if key in hidden else value) for key, value in counts.items()}, \
        bool(hidden)


@router.get("/")
def dashboard(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    blocks: dict[str, object] = {}
    if actor.can("case.read") or actor.can("aggregate.read"):
        counts = counts_by_status(session, actor=actor)
        suppressed = False
        shown: dict[str, int | None] = dict(counts)
        if not actor.can("case.read"):
            shown, suppressed = suppress(counts)
        blocks["cases"] = {"counts": shown, "suppressed": suppressed,
                           "total": None if suppressed else sum(counts.values()),
                           "mine": actor.can("case.read")}
    if actor.can("case.read"):
        blocks["alerts"], blocks["alerts_total"] = open_alerts(session, actor=actor, limit=10)
    if actor.can("incident.read"):
        recent = incident_page(session, actor=actor, filters=IncidentFilters(), limit=5)
        blocks["incidents_total"], blocks["recent_incidents"] = recent.total, recent.items
    if actor.can("identity.read") or actor.can("aggregate.read"):
        blocks["persons_total"] = count_persons(session, actor=actor)
    if actor.can("aggregate.read"):
        latest = runs.list_runs(session, actor=actor, limit=6)
        blocks["estimates"] = latest
        blocks["estimates_chart"] = estimates_chart(
            [Bar(label=f"{row.subject} · {row.label}"[:40], value=row.estimate,
                 lower=row.lower, upper=row.upper, observed=row.observed)
             for row in latest],
            title=_translate(request, N_("Latest estimates with 95% intervals")),
            observed_label=_translate(request, N_("seen on some list")))
    return render(request, "dashboard/index.html", blocks=blocks,
                  term=term_labeller(locale_of(request)))


def _translate(request: Request, message: str) -> str:
    """A message in the reader's language, for text drawn into a chart."""
    from surplace.web.i18n import translator

    return translator(getattr(request.app.state, "catalogues", {}), locale_of(request))(message)
