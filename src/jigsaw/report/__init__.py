"""The oversight report: renders :mod:`jigsaw.oversight`'s analysis as a page, charts and CSV.

Import the submodule you need; each declares its own ``__all__``:

- :mod:`jigsaw.report.published` — the CSV form of a result (small counts suppressed).
- :mod:`jigsaw.report.charts` — funnel plot, dot plot and sparkline as inline SVG.
- :mod:`jigsaw.report.national` — ``build_national_report(year, out_dir)`` and the page.
- :mod:`jigsaw.report.dark_figure` — the dark-figure section from linked records.
"""

__all__ = ["REPORT_FILES", "charts", "dark_figure", "national", "published"]

#: The files a national report consists of (:func:`jigsaw.report.national.build_national_report`
#: writes them): all that the web application serves as the report, whatever else is beside them.
REPORT_FILES = ("index.html", "areas.csv")
