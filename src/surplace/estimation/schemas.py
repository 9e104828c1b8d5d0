"""What an estimate is, as the faces show it: pydantic models that serialise to JSON.

Every method returns a :class:`MethodResult` with the same core fields — the estimate of the
total N, a 95% interval, the estimated number nobody saw, and diagnostics in words — plus a
``details`` mapping for what only that method has (the model ranking, posterior quantiles,
R-hat). Posterior draws and probability tables stay on the object, out of the JSON, because
stratified totals and figures need them and a reader of the JSON does not.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

Severity = Literal["note", "warning"]


class Diagnostic(BaseModel):
    """A statistician's remark on the data or the result, said in words."""

    code: str
    severity: Severity
    message: str


class MethodResult(BaseModel):
    """One method's estimate of the population size N."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    method: str = Field(description="Machine name: lincoln-petersen, chapman, chao, "
                        "loglinear, rcapture-M0, rcapture-Mt, dga, lcmcr, ...")
    label: str = Field(description="What a reader sees, e.g. 'Chapman (EXH, HRW)'.")
    stratum: str = ""
    observed: int = Field(description="People seen on at least one list.")
    estimate: float = Field(description="Point estimate of N (posterior median for Bayesian "
                            "methods).")
    lower: float = Field(description="Lower end of the 95% interval for N.")
    upper: float | None = Field(description="Upper end of the 95% interval for N; null when "
                                "the data put no upper bound on it.")
    unobserved: float = Field(description="Estimate of the people on no list: estimate − "
                              "observed.")
    interval: str = Field(description="How the interval was made.")
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    _draws: NDArray[np.float64] | None = PrivateAttr(default=None)
    _support: NDArray[np.float64] | None = PrivateAttr(default=None)
    _probabilities: NDArray[np.float64] | None = PrivateAttr(default=None)
    _variance: float | None = PrivateAttr(default=None)

    @property
    def draws(self) -> NDArray[np.float64] | None:
        """Posterior draws of N (LCMCR), in chain order."""
        return self._draws

    @property
    def posterior(self) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """The exact posterior of N on its grid (dga): values and probabilities."""
        if self._support is None or self._probabilities is None:
            return None
        return self._support, self._probabilities

    @property
    def variance(self) -> float | None:
        """Estimated sampling variance of N (frequentist methods), for combining strata."""
        return self._variance

    def with_payload(
        self,
        *,
        draws: NDArray[np.float64] | None = None,
        support: NDArray[np.float64] | None = None,
        probabilities: NDArray[np.float64] | None = None,
        variance: float | None = None,
    ) -> MethodResult:
        self._draws = draws
        self._support = support
        self._probabilities = probabilities
        self._variance = variance
        return self


class DataSummary(BaseModel):
    """What the lists look like before any model: sizes and overlaps."""

    label: str = ""
    lists: list[str]
    observed: int
    list_totals: dict[str, int]
    overlaps: dict[str, int] = Field(description="People on both lists, per pair 'A&B'.")
    times_seen: list[int] = Field(description="People seen on exactly k lists, k = 1..J.")
    patterns: dict[str, int] = Field(description="Count per observed pattern, e.g. 'A+C'.")
    structural_zeros: list[str] = Field(default_factory=list)


class EstimationReport(BaseModel):
    """Everything ``surplace estimate`` says: the data, each method's result, and remarks."""

    source: str = ""
    methods: list[str]
    seed: int | None = None
    data: list[DataSummary]
    results: list[MethodResult]
    diagnostics: list[Diagnostic] = Field(default_factory=list)
