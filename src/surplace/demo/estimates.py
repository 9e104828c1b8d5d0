"""The demo's estimates: the latent-class model and a log-linear model per stratum, stored.

Each stratum's estimates are one :class:`~surplace.estimation.schemas.EstimationReport` stored
through :func:`surplace.estimation.runs.save_report` (one ``EstimateRun`` row per method, one
batch per stratum), which the web pages and the report read.

- **LCMCR** through :func:`surplace.estimation.service.estimate`, with shorter chains than the
  reference runs (:data:`DEMO_LCMCR`: 2 chains of 3,000 burn-in sweeps and 1,000 draws every
  5) so that the demo ends in seconds; the stored rows say so in a remark.
- **Log-linear**: the best hierarchical model (pairwise interactions at most) by BIC, through
  :func:`surplace.estimation.loglinear.loglinear` with a stepwise search beyond
  :data:`MAX_MODELS` models (with five lists the exhaustive search fits 1,024 models, which
  takes seconds per stratum). It is called directly rather than through ``estimate(method=
  "loglinear")``, which also fits Rcapture's closed-population models: the report does not show
  them, and on sparse strata their profile interval can fail (noted in the issue).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.errors import SurplaceError
from surplace.estimation import diagnostics, lcmcr, loglinear, runs
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.schemas import Diagnostic, EstimationReport, MethodResult
from surplace.estimation.service import Options, estimate, summarise

DEMO_LCMCR = lcmcr.Settings(chains=2, burnin=3_000, samples=1_000, thinning=5)
MAX_MODELS = 64
SHORT_LCMCR = ("LCMCR ran 2 chains of 8,000 sweeps (3,000 burn-in, then 1,000 draws every 5), "
               "far shorter than the reference runs' 4 chains of 110,000, so that the demo "
               "ends in seconds; run 'surplace estimate' for a figure to publish.")


def _loglinear(histories: CaptureHistories) -> tuple[list[MethodResult], list[Diagnostic]]:
    try:
        result = loglinear.loglinear(histories, max_order=2, criterion="bic",
                                     max_models=MAX_MODELS)
    except SurplaceError as error:  # no model gives a finite estimate: said, not raised
        return [], [Diagnostic(code="method-skipped", severity="note",
                               message=f"loglinear skipped: {error}")]
    except (ValueError, ArithmeticError) as error:
        # A numerical failure of the interval search on a sparse stratum: the demo goes on
        # with the other method and says so, rather than stopping a newcomer's first run.
        return [], [Diagnostic(code="method-failed", severity="warning",
                               message=f"loglinear failed ({type(error).__name__}) on "
                                       "these counts; only LCMCR is stored")]
    result.diagnostics.extend(diagnostics.result_diagnostics(result))
    return [result], []


def estimate_and_store(session: Session, *, actor: Actor, subject: str,
                       histories: CaptureHistories, seed: int,
                       stratum: dict[str, Any] | None = None, link_run_id: str | None = None,
                       loglinear_too: bool = True) -> list[runs.EstimateRunOut]:
    """LCMCR, and the log-linear model unless told otherwise, on ``histories``, stored as one
    batch."""
    report = estimate(histories, method="lcmcr", seed=seed, options=Options(lcmcr=DEMO_LCMCR),
                      source=f"demo:{subject}")
    results, notes = _loglinear(histories) if loglinear_too else ([], [])
    merged = EstimationReport(
        source=report.source, methods=["lcmcr", "loglinear"] if loglinear_too else ["lcmcr"],
        seed=report.seed,
        data=[summarise(histories)], results=[*report.results, *results],
        diagnostics=[*report.diagnostics, *notes])
    merged.diagnostics.extend(diagnostics.comparison_diagnostics(merged.results))
    return runs.save_report(session, actor=actor, subject=subject, report=merged,
                            histories=histories, link_run_id=link_run_id, stratum=stratum,
                            remarks={"lcmcr": SHORT_LCMCR})
