"""Two-list estimators and Chao's bound against their closed forms."""

from __future__ import annotations

import math

import pytest

from surplace.estimation import twolist
from surplace.estimation.exceptions import MethodNotApplicable
from surplace.estimation.histories import CaptureHistories


def two(n10: int, n01: int, n11: int) -> CaptureHistories:
    return CaptureHistories.from_patterns(["A", "B"], [[1, 0], [0, 1], [1, 1]], [n10, n01, n11])


def test_lincoln_petersen_closed_form() -> None:
    # n1 = 100, n2 = 80, m = 20: N = 400, var = n1 n2 (n1-m)(n2-m) / m^3 = 4800
    result = twolist.lincoln_petersen(two(80, 60, 20))
    assert result.estimate == pytest.approx(400)
    assert result.details["standard_error"] == pytest.approx(math.sqrt(4800))
    assert result.unobserved == pytest.approx(400 - 160)
    unseen = 240
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + 4800 / unseen**2)))
    assert result.lower == pytest.approx(160 + unseen / c)
    assert result.upper == pytest.approx(160 + unseen * c)
    assert result.lower > 160


def test_chapman_closed_form() -> None:
    result = twolist.chapman(two(80, 60, 20))
    assert result.estimate == pytest.approx(101 * 81 / 21 - 1)
    variance = 101 * 81 * 80 * 60 / (21**2 * 22)
    assert result.details["standard_error"] == pytest.approx(math.sqrt(variance))


def test_no_overlap() -> None:
    with pytest.raises(MethodNotApplicable, match="share nobody"):
        twolist.lincoln_petersen(two(10, 10, 0))
    chapman = twolist.chapman(two(10, 10, 0))
    assert chapman.estimate == pytest.approx(120)
    assert [d.code for d in chapman.diagnostics] == ["no-overlap"]


def test_needs_two_lists() -> None:
    three = CaptureHistories.from_patterns(["A", "B", "C"], [[1, 0, 0], [0, 1, 1]], [3, 4])
    with pytest.raises(MethodNotApplicable, match="exactly two"):
        twolist.chapman(three)


def test_chao_lower_bound_closed_form() -> None:
    # three lists: f1 = 60, f2 = 20 → N = n + (2/3)·f1²/(2 f2)
    h = CaptureHistories.from_patterns(
        ["A", "B", "C"], [[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]], [30, 30, 20, 5])
    result = twolist.chao_lower_bound(h)
    assert result.estimate == pytest.approx(85 + (2 / 3) * 3600 / 40)
    ratio, a = 3.0, 2 / 3
    variance = 20 * (a / 2 * ratio**2 + a**2 * ratio**3 + a**2 / 4 * ratio**4)
    assert result.details["standard_error"] == pytest.approx(math.sqrt(variance))
    assert "lower-bound" in [d.code for d in result.diagnostics]


def test_chao_without_doubletons_uses_bias_correction() -> None:
    h = CaptureHistories.from_patterns(["A", "B", "C"], [[1, 0, 0], [1, 1, 1]], [10, 2])
    result = twolist.chao_lower_bound(h)
    assert result.estimate == pytest.approx(12 + (2 / 3) * 10 * 9 / 2)


def test_pairwise_chapman_for_every_pair(kosovo: CaptureHistories) -> None:
    results = twolist.pairwise(kosovo)
    assert len(results) == 6
    exh_hrw = next(r for r in results if r.method == "chapman[EXH,HRW]")
    assert exh_hrw.estimate == pytest.approx(1911 * 686 / 194 - 1)
