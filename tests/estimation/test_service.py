"""The service front: method choice, skipped methods, reports that serialise."""

from __future__ import annotations

import json

import pytest

from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.lcmcr import Settings
from surplace.estimation.service import Options, estimate
from tests.estimation.conftest import load

QUICK = Options(lcmcr=Settings(burnin=200, samples=40, thinning=5, chains=2))


def test_two_lists_all_methods() -> None:
    h = CaptureHistories.from_patterns(["A", "B"], [[1, 0], [0, 1], [1, 1]], [80, 60, 20])
    report = estimate(h, method="all", seed=1, options=QUICK)
    methods = [r.method for r in report.results]
    assert methods[:3] == ["lincoln-petersen", "chapman", "chao"]
    assert "lcmcr" in methods and "dga" not in methods
    assert any(d.code == "method-skipped" and "dga" in d.message for d in report.diagnostics)


def test_named_method_that_cannot_apply_raises() -> None:
    with pytest.raises(MethodNotApplicable, match="3 to 5"):
        estimate(load("uk_modern_slavery_2013_6lists"), method="dga")
    with pytest.raises(MethodNotApplicable, match="Unknown method"):
        estimate(load("spina_bifida_ny_3lists"), method="magic")


def test_lincoln_on_many_lists_gives_pairs_and_chao() -> None:
    report = estimate(load("spina_bifida_ny_3lists"), method="lincoln")
    assert [r.method for r in report.results] == [
        "chapman[birth_cert,death_cert]", "chapman[birth_cert,med_rehab]",
        "chapman[death_cert,med_rehab]", "chao"]


def test_report_is_json_with_the_promised_fields() -> None:
    progress: list[tuple[str, int]] = []

    def bar(description: str, total: int):  # type: ignore[no-untyped-def]
        progress.append((description, total))
        return lambda steps: None

    report = estimate(load("spina_bifida_ny_3lists"), seed=5, options=QUICK, progress=bar)
    data = json.loads(report.model_dump_json())
    assert data["seed"] == 5 and data["data"][0]["observed"] == 626
    for result in data["results"]:
        assert {"estimate", "lower", "upper", "unobserved", "method", "diagnostics"} <= set(
            result)
    assert ("LCMCR sampler", 2 * (200 + 40 * 5)) in progress
    assert any(d.startswith("Log-linear") for d, _ in progress)


def test_seed_reproduces_the_whole_report() -> None:
    h = load("spina_bifida_ny_3lists")
    first = estimate(h, method="lcmcr", seed=9, options=QUICK)
    again = estimate(h, method="lcmcr", seed=9, options=QUICK)
    assert first.model_dump() == again.model_dump()
    drawn = estimate(h, method="lincoln")
    assert drawn.seed is not None
