"""The clerical review queue: one uncertain pair of records side by side, with accept / reject /
skip, undo of the last decision, and a person's cluster history.

Thin over :mod:`surplace.linkage.review`, which checks the policy (reading and writing
identities: the sides are the records' payloads) and records every decision. After a decision
the browser is sent back to the queue (POST-redirect-GET) with the pair's id in the address,
so the page can offer to undo it. The comparison levels under the trained model are shown on
request (``?levels=1``): they re-score the pair with Splink, which costs a second the first
time.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from surplace.errors import InvalidInput
from surplace.linkage import review
from surplace.linkage.store import LinkConflict
from surplace.records import service as records_service
from surplace.web.deps import ActorDep, SessionDep
from surplace.web.i18n import N_
from surplace.web.templating import render
from surplace.web.views_common import locale_of, roles_with, term_labeller, text

router = APIRouter()

_REVIEW = roles_with("identity.read", "identity.write")
ACCESS: dict[str, frozenset[str]] = {
    "GET /linkage/review": _REVIEW,
    "POST /linkage/pairs/{pair_id}/decision": _REVIEW,
    "POST /linkage/pairs/{pair_id}/undo": _REVIEW,
    "GET /linkage/persons/{person_id}/history": roles_with("identity.read"),
}

_STATUS_MESSAGES = {
    "accept": N_("Accepted: the two records are now one person."),
    "reject": N_("Rejected: the two records stay apart in every later run."),
    "skip": N_("Skipped: the pair goes to the end of the queue."),
    "undo": N_("Undone: the pair is back as it was before the decision."),
}


def _queue(request: Request, session: Any, actor: Any, *, error: str | None = None,
           status_code: int = 200) -> Response:
    levels = text(request.query_params.get("levels")) is not None
    pairs = review.next_pairs(session, actor=actor, limit=1, levels=levels)
    done = text(request.query_params.get("done"))
    decision = text(request.query_params.get("decision"))
    keys = sorted({key for pair in pairs for key in (*pair.a.values, *pair.b.values)})
    return render(request, "linkage/review.html", status_code=status_code,
                  pair=pairs[0] if pairs else None, keys=keys, levels=levels, error=error,
                  done=done, message=_STATUS_MESSAGES.get(decision or ""),
                  term=term_labeller(locale_of(request)))


@router.get("/linkage/review")
def review_queue(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return _queue(request, session, actor)


@router.post("/linkage/pairs/{pair_id}/decision")
async def decide(request: Request, pair_id: str, actor: ActorDep,
                 session: SessionDep) -> Response:
    form = await request.form()
    decision = str(form.get("decision") or "").strip()
    note = str(form.get("note") or "").strip() or None
    try:
        with session.begin_nested():  # a refusal undoes only this attempt
            review.decide(session, actor=actor, pair_id=pair_id, decision=decision, note=note)
    except (LinkConflict, InvalidInput) as refused:
        return _queue(request, session, actor, error=str(refused), status_code=422)
    return RedirectResponse(f"/linkage/review?done={pair_id}&decision={decision}",
                            status_code=303)


@router.post("/linkage/pairs/{pair_id}/undo")
def undo(request: Request, pair_id: str, actor: ActorDep, session: SessionDep) -> Response:
    try:
        with session.begin_nested():
            review.undo(session, actor=actor, pair_id=pair_id)
    except LinkConflict as refused:
        return _queue(request, session, actor, error=str(refused), status_code=422)
    return RedirectResponse(f"/linkage/review?done={pair_id}&decision=undo", status_code=303)


@router.get("/linkage/persons/{person_id}/history")
def history(request: Request, person_id: str, actor: ActorDep,
            session: SessionDep) -> Response:
    entries = review.cluster_history(session, actor=actor, person=person_id)
    person = records_service.get_person(session, person_id)
    return render(request, "linkage/history.html", person=person, history=entries,
                  term=term_labeller(locale_of(request)))
