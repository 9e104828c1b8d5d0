"""Record linkage: comparable keys for names, dates and places, and their agreement levels.

This first layer is pure Python and needs no store: it turns what lists write (김철수, KIM
CHOL-SU, 金哲洙, Jin Zhezhu; 1985.3.2 or "age 38 in 2023"; 회령, Hoeryŏng, 会宁) into keys that
compare equal when they mean the same, and grades how far two keys agree. The probabilistic
linkage (Splink), the review queue and the store integration build on these levels:
:func:`link_records` links the store's records into persons (:mod:`~surplace.linkage.store`),
and :func:`next_pairs`, :func:`decide`, :func:`undo` and :func:`cluster_history` are the
clerical review (:mod:`~surplace.linkage.review`).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives. The package loads them on first use (PEP 562): the store's
#: schema imports ``surplace.linkage.models``, and every command would otherwise pay for the
#: name tables, pandas and Splink at start-up.
_EXPORTS = {
    "DateAgreement": "dates", "DateKey": "dates", "InvalidDate": "dates",
    "compare_dates": "dates", "parse_date": "dates",
    "NameAgreement": "names", "NameKey": "names", "compare": "names",
    "compare_best": "names", "name_key": "names", "name_keys": "names",
    "PlaceAgreement": "places", "PlaceKey": "places", "compare_places": "places",
    "place_keys": "places",
    "cluster_history": "review", "decide": "review", "next_pairs": "review", "undo": "review",
    "LinkageError": "store", "LinkConflict": "store", "LinkRunOut": "store",
    "PairNotFound": "store", "link_records": "store",
    "InputList": "run", "LinkInputError": "run", "LinkResult": "run", "LinkSummary": "run",
    "link_frames": "run",
    "Features": "features", "build_features": "features",
    "Fitted": "model", "fit_predict": "model", "plain_settings": "model",
    "surplace_settings": "model",
    "Simulated": "simulate", "simulate": "simulate",
    "PairwiseScores": "evaluate", "pairwise_scores": "evaluate",
    "person_capture_histories": "histories",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'surplace.linkage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"surplace.linkage.{module}"), name)
    globals()[name] = value
    return value
