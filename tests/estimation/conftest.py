"""Shared helpers: the data files copied from the project's MSE benchmarks (see
tests/data/mse/README.md) and their reference figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from surplace.estimation.histories import CaptureHistories, histories_from_frame, read_csv

DATA = Path(__file__).parent.parent / "data" / "mse"


def load(name: str) -> CaptureHistories:
    return histories_from_frame(read_csv(DATA / f"{name}.csv"))


@pytest.fixture
def kosovo() -> CaptureHistories:
    return load("kosovo_1999_4lists")
