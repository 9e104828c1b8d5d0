"""One scenario for the demo tests: building it is the slow part (about two seconds), and every
test only reads it."""

from __future__ import annotations

import pytest

from surplace.demo import truth
from surplace.demo.truth import Scenario

SEED = 20240521


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return truth.build(seed=SEED)
