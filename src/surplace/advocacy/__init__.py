"""Recommendations made to governments and the tracking of their implementation."""
