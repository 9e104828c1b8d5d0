"""Shared pieces for the assessment tests: the shipped rule set, an ordinary case's facts, and
the cases tests' office (staff and persons on a store, per module and back end) for assessing
stored cases."""

from __future__ import annotations

from typing import Any

import pytest

from surplace.assessment.loader import Ruleset, default_ruleset
from tests.cases.conftest import shared_office  # noqa: F401 - the fixture, for test_store


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return default_ruleset()


#: A North Korean woman in China who left without permission, with the exclusion and cessation
#: questions answered no: the starting point the tests vary.
ORDINARY: dict[str, Any] = {
    "dprk_national": True, "outside_dprk": True, "location": "china", "chinese_national": False,
    "fears_return": True, "unauthorised_exit_or_stay": True, "times_crossed": 1,
    "generally_credible": True, "all_available_evidence_obtained": True,
    "account_contradicts_known_facts": False, "exclusion_indications": False,
    "receives_other_un_assistance": False, "resided_in_rok_with_national_rights": False,
    "reavailed_dprk_protection": False, "reestablished_in_dprk": False,
    "has_rok_citizenship": False, "rok_protection_accessible": False,
}
