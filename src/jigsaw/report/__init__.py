"""The oversight report: analysis around :mod:`jigsaw.stats.shortfall`, SVG charts and the page.

Import the submodule you need; each declares its own ``__all__``:

- :mod:`jigsaw.report.areas` — read and check an areas CSV and a neighbour CSV.
- :mod:`jigsaw.report.analysis` — compare areas with peers; group spreads; the suppressed CSV.
- :mod:`jigsaw.report.charts` — funnel plot, dot plot and sparkline as inline SVG.
- :mod:`jigsaw.report.national` — ``build_national_report(year, out_dir)``.
"""

__all__ = ["analysis", "areas", "charts", "national"]
