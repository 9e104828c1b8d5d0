"""Assessing protection needs: the refugee definition and non-refoulement as rules."""
