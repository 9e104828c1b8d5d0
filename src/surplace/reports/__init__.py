"""The briefing: a self-contained HTML file and a PDF of documented violations, list overlaps,
estimated totals with intervals, the state of recommendations and a methods appendix, in
English or Korean, from aggregates only (small cells suppressed as exports are).

``service.make_report`` is the one entry point; ``gather`` reads the store through the domains'
functions, ``figures`` draws, ``render`` writes HTML and PDF.
"""
