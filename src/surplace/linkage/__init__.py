"""Record linkage: comparable keys for names, dates and places, and their agreement levels.

This first layer is pure Python and needs no store: it turns what lists write (김철수, KIM
CHOL-SU, 金哲洙, Jin Zhezhu; 1985.3.2 or "age 38 in 2023"; 회령, Hoeryŏng, 会宁) into keys that
compare equal when they mean the same, and grades how far two keys agree. The probabilistic
linkage (Splink), the review queue and the store integration build on these levels:
:func:`link_records` links the store's records into persons (:mod:`~surplace.linkage.store`),
and :func:`next_pairs`, :func:`decide`, :func:`undo` and :func:`cluster_history` are the
clerical review (:mod:`~surplace.linkage.review`).
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
from surplace.linkage.review import cluster_history, decide, next_pairs, undo
from surplace.linkage.store import (
    LinkageError,
    LinkConflict,
    LinkRunOut,
    PairNotFound,
    link_records,
)

__all__ = [
    "DateAgreement", "DateKey", "InvalidDate", "LinkConflict", "LinkRunOut", "LinkageError",
    "NameAgreement", "NameKey", "PairNotFound", "PlaceAgreement", "PlaceKey", "cluster_history",
    "compare", "compare_best", "compare_dates", "compare_places", "decide", "link_records",
    "name_key", "name_keys", "next_pairs", "parse_date", "place_keys", "undo",
]
