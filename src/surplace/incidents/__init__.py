"""Incidents and acts: who did what to whom, when, where, according to which source."""
