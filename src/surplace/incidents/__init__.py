"""Incidents and acts: who did what to whom, when, where, according to which source.

The public surface: :mod:`.service` (incidents, acts, perpetrators, chains, interventions),
:mod:`.claims` (sources' claims, each counted once) and :mod:`.review` (the queue for the
uncertain), :mod:`.counts` (documented acts and their capture histories over sources) and
:mod:`.esf` (export in the HURIDOCS Events Standard Formats layout). Vocabularies and the
export's field list are data files beside the code.
"""
