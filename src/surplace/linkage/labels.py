"""Reviewers' decisions as training labels: accepted and rejected pairs re-weigh the model.

A store run trains the model afresh (u by sampling, m by EM); the decisions reviewers made on
earlier runs' queues then correct m. Why not the obvious ways:

- *m as the share of accepted pairs at each level* (what Splink's
  ``estimate_m_from_pairwise_labels`` computes): the labelled pairs are not a sample of the
  matches but of the *review band* — pairs the model was unsure of, so exactly the ones whose
  comparisons disagree (one birth date missing, a given name misspelt). Their level shares
  would say that most matches disagree on birth, and the model would accept any two records
  with the same surname. It also treats a rejection as a match (Splink 5 ignores
  ``clerical_match_score`` there).
- *rejected pairs as evidence for u*: u is how often two random records agree, estimated from
  millions of sampled pairs; the rejected pairs are the few non-matches chosen for looking
  alike, so they would say that agreeing is common among non-matches and weaken every level.

What is sound: the review band is chosen by the comparison vector alone (the model's
probability is a function of it), so given its comparison vector a labelled pair is like any
other pair with the same vector. The *conditional* likelihood of the decisions given their
comparison vectors, ∏ p(γᵢ)^yᵢ (1 − p(γᵢ))^(1−yᵢ), is therefore unbiased by that selection,
and both verdicts enter it: an accepted pair pulls its levels' m up, a rejected pair pulls them
down. m is the maximum a posteriori estimate under that likelihood with EM's m as the prior —
a Dirichlet worth :data:`PRIOR_PAIRS` decisions per comparison — so a handful of decisions
nudges the model, hundreds of them outweigh EM at the levels they touch, and levels no decision
touches stay where EM put them. u (from sampling) and the prior probability of a match (from
the deterministic rules) are kept: a few hundred chosen pairs say nothing reliable about either.

The optimisation is scipy's L-BFGS on m's log-odds with the exact gradient (a Fellegi–Sunter
model with fixed u is a logistic regression on one-hot levels whose weights are log m − log u
with m summing to one per comparison; no library fits that parametrisation, and 30 lines do).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

#: How many decisions EM's m estimate weighs, per comparison, in the prior.
PRIOR_PAIRS = 50.0
#: No level's m falls below this (as :data:`surplace.linkage.model.M_FLOOR`).
M_FLOOR = 0.005
LABEL_COLUMN = "__surplace_label_pair"


@dataclass
class LabelReport:
    """What the decisions did to a run's model, for its record (counts and means, no ids)."""

    accepted: int
    rejected: int
    #: Decisions whose two records were both in this run's input (the others cannot be scored).
    used: int
    prior_pairs: float
    method: str
    #: m of every level (comparison → values, levels in the model's order) before the
    #: decisions re-weighed them, so the run's record shows what they changed.
    m_before: dict[str, list[float]] | None = None
    #: Mean match probability of the accepted / rejected pairs under EM's model and after.
    accepted_before: float | None = None
    accepted_after: float | None = None
    rejected_before: float | None = None
    rejected_after: float | None = None
    #: Mean log loss of the decisions under EM's model and after (the fit lowers it).
    log_loss_before: float | None = None
    log_loss_after: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


METHOD = ("m: maximum a posteriori under the conditional likelihood of the decisions given "
          "their comparison levels, EM's m as a Dirichlet prior worth prior_pairs decisions "
          "per comparison; u and the prior match probability unchanged")


def score_pairs(db_api: Any, table: pd.DataFrame, pairs: pd.DataFrame,
                model: dict[str, Any], *, frequencies: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """Every pair of ``pairs`` (unique_id_l, unique_id_r, both in ``table``) scored by
    ``model``: its comparison levels (``gamma_<comparison>``), ``match_weight`` and
    ``match_probability``, in the order of ``pairs``. Whatever the blocking rules would have
    found: each pair gets its own block (a copy of both records sharing a pair number), on any
    Splink backend. ``frequencies``: the name-key lookup the model's key-rarity adjustment
    uses (:func:`surplace.linkage.model.key_frequencies`), as the whole list counts them."""
    from splink import Linker

    position = pd.Series(np.arange(len(table)), index=table["unique_id"].astype(str))
    count = len(pairs)
    sides = []
    for side in ("l", "r"):
        rows = table.iloc[position[pairs[f"unique_id_{side}"].astype(str)].to_numpy()].copy()
        rows["unique_id"] = [f"{n}{side}" for n in range(count)]
        rows[LABEL_COLUMN] = np.arange(count)
        sides.append(rows)
    both = pd.concat(sides, ignore_index=True)
    settings = copy.deepcopy(model)
    settings.pop("linker_uid", None)  # a new uid: Splink caches tables per uid
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": f"l.{LABEL_COLUMN} = r.{LABEL_COLUMN}",
         "sql_dialect": settings.get("sql_dialect", "duckdb")}]
    settings["retain_matching_columns"] = True  # which brings the gamma_ columns
    settings["additional_columns_to_retain"] = [LABEL_COLUMN]
    linker = Linker(db_api.register(both), settings, log_level=None)
    if frequencies is not None:
        linker.table_management.register_term_frequency_lookup(
            db_api.register(frequencies), "name_key")
    scored: pd.DataFrame = linker.inference.predict().as_pandas_dataframe()  # type: ignore[no-untyped-call]
    number = scored[f"{LABEL_COLUMN}_l"].astype(int)
    scored = scored.set_index(number).sort_index().reindex(range(count))
    gammas = [f"gamma_{c['output_column_name']}" for c in model["comparisons"]]
    return scored[[*gammas, "match_weight", "match_probability"]].reset_index(drop=True)


def _levels(model: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [[lv for lv in c["comparison_levels"] if not lv.get("is_null_level")]
            for c in model["comparisons"]]


def fit_to_labels(model: dict[str, Any], scored: pd.DataFrame, verdicts: pd.Series,
                  *, prior_pairs: float = PRIOR_PAIRS) -> tuple[dict[str, Any], LabelReport]:
    """The model (Splink's settings dictionary, trained) with m re-estimated from the
    decisions (see the module docstring), and what changed. ``scored`` is
    :func:`score_pairs` of the decided pairs; ``verdicts`` 1 for accepted, 0 for rejected."""
    y = verdicts.to_numpy(dtype=float)
    levels = _levels(model)
    names = [c["output_column_name"] for c in model["comparisons"]]
    # gamma g of a comparison with k levels is level k-1-g in the list (highest first).
    index = [np.where(scored[f"gamma_{n}"].to_numpy() < 0, -1,
                      len(lv) - 1 - scored[f"gamma_{n}"].to_numpy())
             for n, lv in zip(names, levels, strict=True)]
    m_em = [np.array([float(lv["m_probability"]) for lv in c]) for c in levels]
    log_u = [np.log([float(lv["u_probability"]) for lv in c]) for c in levels]
    share = float(model["probability_two_random_records_match"])
    base = np.log(share / (1 - share))
    sizes = [len(c) for c in levels]
    cuts = np.cumsum(sizes)[:-1]

    def unpack(theta: np.ndarray) -> list[np.ndarray]:
        return [t - logsumexp(t) for t in np.split(theta, cuts)]

    def weights(log_m: list[np.ndarray]) -> np.ndarray:
        w: np.ndarray = base + offset
        for idx, lm, lu in zip(index, log_m, log_u, strict=True):
            seen = idx >= 0
            w[seen] += lm[idx[seen]] - lu[idx[seen]]
        return w

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        log_m = unpack(theta)
        w = weights(log_m)
        loss = float(np.sum(np.logaddexp(0, w) - y * w))
        residual = expit(w) - y
        grad = []
        for idx, lm, prior in zip(index, log_m, m_em, strict=True):
            loss -= prior_pairs * float(prior @ lm)
            seen = idx >= 0
            g = np.bincount(idx[seen], weights=residual[seen],
                            minlength=len(lm)).astype(float) - prior_pairs * prior
            grad.append(g - np.exp(lm) * g.sum())
        return loss, np.concatenate(grad)

    start = np.concatenate([np.log(m) for m in m_em])
    # What Splink adds beyond m and u (the key-rarity adjustment) is a fixed offset per pair:
    # Splink's own weight (in bits) less the weight from m and u, so the fit starts from
    # Splink's probabilities exactly.
    offset = np.zeros(len(y))
    offset = scored["match_weight"].to_numpy(dtype=float) * np.log(2) - weights(unpack(start))
    before = expit(weights(unpack(start)))
    fitted = minimize(objective, start, jac=True, method="L-BFGS-B")
    log_m = unpack(fitted.x)
    out = copy.deepcopy(model)
    for comparison, lm in zip(_levels(out), log_m, strict=True):
        m = np.maximum(np.exp(lm), M_FLOOR)
        m /= m.sum()
        for level, value in zip(comparison, m, strict=True):
            level["m_probability"] = float(value)
    after = expit(weights([np.log([lv["m_probability"] for lv in c]) for c in _levels(out)]))

    def mean(values: np.ndarray, mask: np.ndarray) -> float | None:
        return round(float(values[mask].mean()), 4) if mask.any() else None

    def log_loss(p: np.ndarray) -> float:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return round(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), 4)

    accepted, rejected = y == 1, y == 0
    report = LabelReport(accepted=int(accepted.sum()), rejected=int(rejected.sum()),
                         used=len(y), prior_pairs=prior_pairs, method=METHOD,
                         m_before={n: [round(float(v), 6) for v in m]
                                   for n, m in zip(names, m_em, strict=True)},
                         accepted_before=mean(before, accepted),
                         accepted_after=mean(after, accepted),
                         rejected_before=mean(before, rejected),
                         rejected_after=mean(after, rejected),
                         log_loss_before=log_loss(before), log_loss_after=log_loss(after))
    return out, report
