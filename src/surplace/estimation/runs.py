"""Stored estimates: run an estimate on what the store holds, keep it, list it, draw it again.

A stored estimate is an :class:`~surplace.estimation.models.EstimateRun` row per method result
of one call to :func:`surplace.estimation.service.estimate`; the rows of one call share a
``batch`` id in their details, so a page can show the methods side by side. Besides the figure
and its interval each row keeps what is needed to draw the figures again without re-running the
sampler: the inclusion patterns and their counts (the list-overlap plot) and, for the Bayesian
methods, a thinned copy of the posterior draws or the posterior on its grid. Everything kept is
aggregate: counts by pattern, never a person.

What is counted comes from the store through the domains' own functions:

- ``persons``: linked persons by the sources whose records they hold
  (:func:`surplace.linkage.histories.person_capture_histories`, when that module exists);
- ``acts``: documented acts by the sources that document them
  (:func:`surplace.incidents.counts.capture_histories`).

Access: reading and running estimates both need ``aggregate.read`` (an estimate is an
aggregate; the histories functions check it again).
"""

from __future__ import annotations

import importlib
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput, SurplaceError
from surplace.estimation.histories import CaptureHistories, histories_from_frame
from surplace.estimation.models import EstimateRun
from surplace.estimation.schemas import EstimationReport, MethodResult
from surplace.linkage import models as linkage_models
from surplace.store.base import as_utc

#: ``EstimateRun.link_run_id`` points at the linkage runs' table, which SQLAlchemy must know
#: before it writes a row, in any process (a command that never imported linkage).
_LINK_RUNS = linkage_models.LinkRun

SUBJECTS = ("persons", "acts")
#: Methods a stored run may ask for. LCMCR runs with shorter chains than the reference
#: settings (see :data:`WEB_LCMCR`), so a request does not hold a server for minutes.
RUN_METHODS = ("lincoln", "loglinear", "dga", "lcmcr", "all")
#: Posterior draws kept per row: enough for a histogram, small enough for a JSON column.
KEPT_DRAWS = 2_000
MAX_LIMIT = 200


class EstimateNotFound(SurplaceError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"No stored estimate {run_id!r}.")


class EstimateRunOut(BaseModel):
    """One stored estimate as every face shows it (no draws: those stay in the row)."""

    id: str
    batch: str
    created_at: datetime
    actor: str | None
    subject: str
    stratum: dict[str, Any]
    lists: list[str]
    method: str
    label: str
    observed: int
    estimate: float
    lower: float | None
    upper: float | None
    seed: int | None
    diagnostics: list[str]
    link_run_id: str | None
    has_posterior: bool


@dataclass(frozen=True)
class Figure:
    """A figure drawn for a stored estimate: PNG bytes."""

    media_type: str
    content: bytes


def _out(row: EstimateRun) -> EstimateRunOut:
    details = row.details or {}
    created = as_utc(row.created_at)
    assert created is not None
    return EstimateRunOut(
        id=row.id, batch=str(details.get("batch", row.id)), created_at=created,
        actor=row.actor_id, subject=row.subject, stratum=dict(row.stratum or {}),
        lists=list(row.lists or []), method=row.method, label=str(details.get("label", row.method)),
        observed=row.observed, estimate=row.estimate, lower=row.lower, upper=row.upper,
        seed=details.get("seed"), diagnostics=[str(d) for d in details.get("diagnostics", [])],
        link_run_id=row.link_run_id,
        has_posterior="draws" in details or "posterior" in details)


def method_family(method: str) -> str:
    """The method as the ``method`` column keeps it (16 characters): pairwise estimators name
    their two lists (``chapman[A,B]``), which stay in the row's label, not in the column."""
    return method.split("[", 1)[0][:16]


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _payload(result: MethodResult) -> dict[str, Any]:
    """The posterior kept with a row, thinned evenly to :data:`KEPT_DRAWS` draws."""
    if result.draws is not None:
        draws = np.asarray(result.draws, dtype=np.float64)
        if draws.size > KEPT_DRAWS:
            draws = draws[np.linspace(0, draws.size - 1, KEPT_DRAWS).astype(np.int64)]
        return {"draws": [round(float(v), 3) for v in draws]}
    if result.posterior is not None:
        support, probabilities = result.posterior
        keep = probabilities > probabilities.max() * 1e-4
        return {"posterior": [[float(s), float(p)] for s, p in
                              zip(support[keep], probabilities[keep], strict=True)]}
    return {}


def save_report(session: Session, *, actor: Actor, subject: str, report: EstimationReport,
                histories: CaptureHistories, link_run_id: str | None = None,
                stratum: dict[str, Any] | None = None,
                remarks: dict[str, str] | None = None) -> list[EstimateRunOut]:
    """Store every result of ``report`` as one row each, sharing one batch id; ``remarks``
    adds a remark to the rows of a method (by method name)."""
    require(actor, "aggregate.read")
    if subject not in (*SUBJECTS, "file"):
        raise InvalidInput(f"subject: {subject!r} is not one of persons, acts, file.")
    batch = str(uuid.uuid4())
    patterns = [[int(v) for v in row] for row in histories.patterns]
    shared = [d.message for d in report.diagnostics]
    extra = remarks or {}
    rows = []
    for result in report.results:
        details: dict[str, Any] = {
            "batch": batch, "label": result.label, "method": result.method,
            "seed": report.seed,
            "interval": result.interval, "stratum_label": result.stratum,
            "diagnostics": [*shared, *(d.message for d in result.diagnostics),
                            *([extra[result.method]] if result.method in extra else [])],
            "method_details": _json_safe(result.details),
            "patterns": patterns, "counts": [int(c) for c in histories.counts],
            **_payload(result)}
        row = EstimateRun(actor_id=actor.user_id, subject=subject, stratum=dict(stratum or {}),
                          lists=list(histories.lists), method=method_family(result.method),
                          observed=result.observed, estimate=float(result.estimate),
                          lower=_finite(result.lower), upper=_finite(result.upper),
                          details=details, link_run_id=link_run_id)
        session.add(row)
        rows.append(row)
    session.flush()
    return [_out(row) for row in rows]


def _json_safe(value: Any) -> Any:
    """Method details as plain JSON (NumPy scalars and non-finite floats made safe)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def store_histories(session: Session, *, actor: Actor, subject: str,
                    sources: list[str] | None = None, act_type: str | None = None,
                    year: int | None = None, province: str | None = None) -> pd.DataFrame:
    """The capture histories of ``subject`` as a table: one 0/1 column per source and a count.

    Persons come from the linkage domain's ``person_capture_histories`` (refused with a clear
    message while that function is not there); acts from the incidents domain's counts, with
    its filters.
    """
    require(actor, "aggregate.read")
    if subject == "persons":
        try:
            module = importlib.import_module("surplace.linkage.histories")
        except ImportError:
            raise InvalidInput("subject: counting linked persons needs the linkage domain's "
                               "capture histories, which this installation lacks; count acts "
                               "instead.") from None
        frame: pd.DataFrame = module.person_capture_histories(
            session, actor=actor, sources=sources, strata=[])
        return frame
    if subject == "acts":
        from surplace.incidents.counts import capture_histories

        return capture_histories(session, actor=actor, act_type=act_type, year=year,
                                 province=province, sources=sources)
    raise InvalidInput(f"subject: {subject!r} is not one of {', '.join(SUBJECTS)}.")


SHORT_LCMCR = ("LCMCR ran 2 chains of 7,000 sweeps (2,000 burn-in, then 500 draws every 10), "
               "shorter than the reference runs' 4 chains of 110,000, so that a request ends "
               "in seconds; run 'surplace estimate' for a figure to publish.")


def web_options() -> Any:
    """Estimation options for a run started from a page or the API: the reference settings
    except LCMCR's chains, which are shortened (2 chains of 2,000 + 500 × 10 sweeps) so the
    request ends in seconds; the rows say so in a remark (:data:`SHORT_LCMCR`)."""
    from surplace.estimation.lcmcr import Settings
    from surplace.estimation.service import Options

    return Options(lcmcr=Settings(chains=2, burnin=2_000, samples=500, thinning=10))


def run_from_store(session: Session, *, actor: Actor, subject: str, method: str = "all",
                   seed: int | None = None, sources: list[str] | None = None,
                   act_type: str | None = None, year: int | None = None,
                   province: str | None = None) -> list[EstimateRunOut]:
    """Estimate the total of ``subject`` from the store's lists and store the result."""
    from surplace.estimation.service import estimate

    require(actor, "aggregate.read")
    if method not in RUN_METHODS:
        raise InvalidInput(f"method: {method!r} is not one of {', '.join(RUN_METHODS)}.")
    frame = store_histories(session, actor=actor, subject=subject, sources=sources,
                            act_type=act_type, year=year, province=province)
    if frame.empty or len(frame.columns) < 3:
        raise InvalidInput("lists: the store has fewer than two sources with "
                           f"{subject} to compare; an estimate needs at least two lists.")
    histories = histories_from_frame(frame, count_column="count", label="")
    report = estimate(histories, method=method, seed=seed, options=web_options(),
                      source=f"store:{subject}")
    stratum = {key: value for key, value in
               {"act_type": act_type, "year": year, "province": province}.items()
               if value is not None}
    return save_report(session, actor=actor, subject=subject, report=report,
                       histories=histories, stratum=stratum, remarks={"lcmcr": SHORT_LCMCR})


def count_runs(session: Session, *, actor: Actor, subject: str | None = None,
               method: str | None = None) -> int:
    require(actor, "aggregate.read")
    query = select(func.count()).select_from(EstimateRun)
    if subject is not None:
        query = query.where(EstimateRun.subject == subject)
    if method is not None:
        query = query.where(EstimateRun.method == method)
    return int(session.scalar(query) or 0)


def list_runs(session: Session, *, actor: Actor, subject: str | None = None,
              method: str | None = None, limit: int = 50,
              offset: int = 0) -> list[EstimateRunOut]:
    """Stored estimates, newest first."""
    require(actor, "aggregate.read")
    if subject is not None and subject not in (*SUBJECTS, "file"):
        raise InvalidInput(f"subject: {subject!r} is not one of persons, acts, file.")
    query = select(EstimateRun).order_by(EstimateRun.created_at.desc(), EstimateRun.id)
    if subject is not None:
        query = query.where(EstimateRun.subject == subject)
    if method is not None:
        query = query.where(EstimateRun.method == method)
    query = query.limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset))
    return [_out(row) for row in session.scalars(query)]


def _row(session: Session, run_id: str) -> EstimateRun:
    row = session.get(EstimateRun, run_id.strip())
    if row is None:
        raise EstimateNotFound(run_id)
    return row


def get_run(session: Session, *, actor: Actor, run_id: str) -> EstimateRunOut:
    require(actor, "aggregate.read")
    return _out(_row(session, run_id))


def batch_of(session: Session, *, actor: Actor, run_id: str) -> list[EstimateRunOut]:
    """Every row stored by the same call as ``run_id`` (the methods side by side)."""
    require(actor, "aggregate.read")
    row = _row(session, run_id)
    batch = (row.details or {}).get("batch")
    if batch is None:
        return [_out(row)]
    # The rows of one call are written in one flush: look only at rows made around then.
    near = select(EstimateRun).where(
        EstimateRun.subject == row.subject, EstimateRun.actor_id == row.actor_id,
        EstimateRun.created_at.between(row.created_at - timedelta(minutes=1),
                                       row.created_at + timedelta(minutes=1)))
    rows = session.scalars(near.order_by(EstimateRun.created_at, EstimateRun.id))
    return [_out(other) for other in rows if (other.details or {}).get("batch") == batch]


def _histories(row: EstimateRun) -> CaptureHistories:
    details = row.details or {}
    return CaptureHistories.from_patterns(list(row.lists), details.get("patterns", []),
                                          details.get("counts", []))


def _result(row: EstimateRun) -> MethodResult:
    details = row.details or {}
    result = MethodResult(method=row.method, label=str(details.get("label", row.method)),
                          observed=row.observed, estimate=row.estimate,
                          lower=row.lower if row.lower is not None else row.observed,
                          upper=row.upper, unobserved=row.estimate - row.observed,
                          interval=str(details.get("interval", "")))
    if "draws" in details:
        result.with_payload(draws=np.asarray(details["draws"], dtype=np.float64))
    elif "posterior" in details:
        grid = np.asarray(details["posterior"], dtype=np.float64).reshape(-1, 2)
        result.with_payload(support=grid[:, 0], probabilities=grid[:, 1])
    return result


def _draw(make: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="surplace-figure-") as folder:
        path = Path(folder) / "figure.png"
        if make(path) is None:
            raise InvalidInput("figure: this estimate has no posterior to draw.")
        return path.read_bytes()


def posterior_figure(session: Session, *, actor: Actor, run_id: str) -> Figure:
    """The posterior of N of a stored estimate (with its batch's other estimates marked)."""
    from surplace.estimation import plots

    require(actor, "aggregate.read")
    row = _row(session, run_id)
    results = [_result(row)]
    title = f"Posterior of N — {row.subject}"
    return Figure("image/png", _draw(lambda path: plots.posterior_figure(results, path, title)))


def overlaps_figure(session: Session, *, actor: Actor, run_id: str) -> Figure:
    """The list-overlap (UpSet) plot of the lists a stored estimate was made from."""
    from surplace.estimation import plots

    require(actor, "aggregate.read")
    histories = _histories(_row(session, run_id))
    return Figure("image/png", _draw(lambda path: plots.upset_figure(histories, path)))
