"""Assessing protection needs: the refugee definition and non-refoulement as rules.

The public surface: :func:`assess` runs the rule set on :class:`Facts` (from :func:`parse_facts`
or :func:`facts_from_interviews`); :func:`to_markdown` and :func:`to_html` draft the written
assessment. The law itself is data in ``rules/``; see :mod:`surplace.assessment.engine` for how
it is evaluated.
"""

from surplace.assessment.draft import to_html, to_markdown
from surplace.assessment.engine import assess
from surplace.assessment.facts import Facts, facts_from_interviews, parse_facts

__all__ = ["Facts", "assess", "facts_from_interviews", "parse_facts", "to_html", "to_markdown"]
