"""Recommendations made to governments and the tracking of their implementation.

``service`` adds recommendations, records status judgements (append-only, with who and why),
attaches evidence from the store and computes indicators from documented acts; ``loader`` adds
the catalogued recommendations (Human Rights Watch's four to China) that the demo uses.
"""

from surplace.advocacy import guards as _guards  # noqa: F401 - registers the append-only rule
