"""Record linkage: comparable keys for names, dates and places, and their agreement levels.

This first layer is pure Python and needs no store: it turns what lists write (김철수, KIM
CHOL-SU, 金哲洙, Jin Zhezhu; 1985.3.2 or "age 38 in 2023"; 회령, Hoeryŏng, 会宁) into keys that
compare equal when they mean the same, and grades how far two keys agree. The probabilistic
linkage (Splink), the review queue and the store integration build on these levels.
"""

from surplace.linkage.dates import DateAgreement, DateKey, InvalidDate, compare_dates, parse_date
from surplace.linkage.names import (
    NameAgreement,
    NameKey,
    compare,
    compare_best,
    name_key,
    name_keys,
)
from surplace.linkage.places import PlaceAgreement, PlaceKey, compare_places, place_keys

__all__ = [
    "DateAgreement", "DateKey", "InvalidDate", "NameAgreement", "NameKey", "PlaceAgreement",
    "PlaceKey", "compare", "compare_best", "compare_dates", "compare_places", "name_key",
    "name_keys", "parse_date", "place_keys",
]
