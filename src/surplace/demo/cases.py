"""Demo protection cases: synthetic persons at different steps of the workflow.

Every case is opened and moved through the real case service, so the demo store shows what a
caseworker's office looks like after some weeks: cases waiting for registration, cases
interviewed with facts recorded, detentions that made processing accelerated, assistance given.
All text is invented and marked as synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.cases import service
from surplace.cases.schemas import CaseIn, InterviewIn
from surplace.cases.work_schemas import AlertIn, AssistanceIn

#: Facts a demo interview establishes (codes of the assessment's fact vocabulary).
_FACT_SETS: tuple[dict[str, bool | int], ...] = (
    {"dprk_national": True, "outside_dprk": True, "unauthorised_exit_or_stay": True,
     "fears_return": True, "generally_credible": True},
    {"dprk_national": True, "outside_dprk": True, "unauthorised_exit_or_stay": True,
     "contact_with_christians": True, "fears_return": True, "times_crossed": 2},
    {"dprk_national": True, "outside_dprk": True, "attempted_travel_to_rok": True,
     "previously_repatriated": True, "fears_return": True},
)


def build(session: Session, *, actor: Actor, pseudonyms: Sequence[str], seed: int,
          today: date, on_each: Callable[[], None] = lambda: None) -> list[str]:
    """Open one case per pseudonym and move each a seeded number of steps; returns the case
    numbers."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible scenario, not a secret
    numbers: list[str] = []
    for index, pseudonym in enumerate(pseudonyms):
        opened = service.open_case(session, actor=actor, data=CaseIn(
            principal=pseudonym, languages=["ko"], risk="normal",
            summary=f"Synthetic claim summary {index}: crossed the Tumen river, in hiding.",
            current_location=f"Synthetic safe house {rng.randint(1, 40)}"))
        number = opened.case_number
        numbers.append(number)
        steps = rng.choice((0, 1, 2, 3, 3))
        kind = rng.choice(("detained", "deportation_imminent", "missing")) \
            if rng.random() < 0.3 else None
        if kind is not None:
            service.raise_alert(session, actor=actor, case=number, data=AlertIn(
                kind=kind, note=f"Synthetic alert {index}"))
        if steps >= 1:
            service.transition(session, actor=actor, case=number, name="register")
        if steps >= 2:
            # A detention or imminent deportation already made the case accelerated.
            inputs = {} if kind in ("detained", "deportation_imminent") else {
                "modality": "regular"}
            service.transition(session, actor=actor, case=number, name="decide_processing",
                               inputs=inputs)
        if steps >= 3:
            service.record_interview(session, actor=actor, case=number, data=InterviewIn(
                held_on=today, language="ko", duration_minutes=rng.choice((60, 90, 120)),
                record=f"Synthetic interview record {index}.", read_back=True,
                facts=dict(rng.choice(_FACT_SETS))))
        if steps >= 1 and rng.random() < 0.6:
            service.record_assistance(session, actor=actor, case=number, data=AssistanceIn(
                kind=rng.choice(("food", "medicine", "shelter", "cash")),
                quantity=rng.randint(1, 5)))
        on_each()
    return numbers
