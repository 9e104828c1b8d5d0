"""A small seeded scenario: persons in hiding in the Chinese border provinces.

This is the first step of the demo simulator: registered persons with synthetic identities,
a protection case and an evidence file. The full simulator (organisations' overlapping lists,
incidents, known truth for estimation) grows from here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from surplace.demo.names import synthetic_name
from surplace.records.schemas import NameIn, PersonIn

ORIGIN_PROVINCES = (("KP-09", 0.45), ("KP-10", 0.25), ("KP-08", 0.12), ("KP-04", 0.08),
                    ("KP-03", 0.10))
HIDING_PLACES = (("Yanji", 0.4), ("Longjing", 0.15), ("Tumen", 0.1), ("Dandong", 0.15),
                 ("Shenyang", 0.1), ("Harbin", 0.1))
COUNTIES = ("Musan", "Hoeryong", "Onsong", "Kyongwon", "Hyesan", "Samjiyon", "Chongjin",
            "Kimchaek", "Sinuiju", "Manpo")


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([item for item, _ in table], [weight for _, weight in table])[0]


def persons(count: int, *, seed: int) -> Iterator[PersonIn]:
    """``count`` synthetic persons: mostly women, born 1960–2005, from the border provinces."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible scenario, not a secret
    for index in range(count):
        name = synthetic_name(rng)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(45 * 365))
        names = [
            NameIn(full_name=name.hangul, family_name=name.family_hangul,
                   given_name=name.given_hangul, script="hangul"),
            NameIn(full_name=name.mccune_reischauer, script="latin", romanisation="mr",
                   kind="as_recorded"),
        ]
        if rng.random() < 0.4:
            names.append(NameIn(full_name=name.hanja, script="hanja", kind="as_recorded"))
        yield PersonIn(
            names=names,
            sex="F" if rng.random() < 0.72 else "M",
            birth_date=born,
            origin_province=_weighted(rng, ORIGIN_PROVINCES),
            origin_place=f"{rng.choice(COUNTIES)} county, synthetic ward {index % 17 + 1}",
            current_location=f"{_weighted(rng, HIDING_PLACES)}, synthetic address {index}",
            contact=f"synthetic messenger id demo-{seed}-{index}",
        )
