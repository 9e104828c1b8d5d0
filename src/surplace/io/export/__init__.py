"""Exports that never leak more than the reader may see.

- :mod:`.service` — the door: :func:`~.service.export_rows` (persons, records, incidents, acts,
  cases as CSV, HXL, JSON or JSON Lines), :func:`~.service.export_aggregate` (count tables with
  disclosure control), :func:`~.service.export_evidence` (the evidence service's package);
  every export is audited with what and for whom.
- :mod:`.redaction` — who may export what, and how much identity goes with it (the policy's
  rule applied to exports).
- :mod:`.people`, :mod:`.events`, :mod:`.casefiles` — rows, read a page at a time.
- :mod:`.aggregates` and :mod:`.disclosure` — what tables count; small-cell suppression with
  secondary suppression.
- :mod:`.writers` — the formats, CSV-injection neutralising, the output file; :mod:`.tags` —
  HXL hashtags from ``io/hxl_tags.toml``.
"""
