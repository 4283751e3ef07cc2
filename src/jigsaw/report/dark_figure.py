"""The dark-figure section of the oversight report: how many children no agency has identified.

``jigsaw oversight --linked`` calls :func:`dark_figure_section` with a partnership's linked records.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import NamedTuple, cast

import pandas as pd

from jigsaw import disclosure
from jigsaw.stats.mse import MSEEstimate, estimate, sensitivity, table_from_records

__all__ = ["dark_figure_section"]

_STYLE = """<style>
.jigsaw-dark-figure table{border-collapse:collapse;margin:0 0 1em}
.jigsaw-dark-figure th,.jigsaw-dark-figure td{border-bottom:1px solid #b1b4b6;padding:.3em .8em;text-align:left}
.jigsaw-dark-figure td.num{text-align:right;font-variant-numeric:tabular-nums}
.jigsaw-dark-figure .headline{font-size:1.4em;font-weight:700}
</style>"""


class _SensitivityRow(NamedTuple):
    """One row of :func:`jigsaw.stats.mse.sensitivity`, with the types its columns hold."""

    lists: str
    method: str
    terms: str
    total: float
    ci_low: float
    ci_high: float
    note: str


def _sensitivity_rows(frame: pd.DataFrame) -> Iterator[_SensitivityRow]:
    # pandas-stubs type every itertuples() field as any scalar; sensitivity() fixes these columns.
    return cast(Iterator[_SensitivityRow], frame.itertuples(index=False))


def suppress(value: float | None) -> str:
    """A count as HTML for the section (:func:`jigsaw.disclosure.count_text`; unknown: "not estimable")."""
    return html.escape(disclosure.count_text(value, missing="not estimable"))


def _reading(result: MSEEstimate) -> str:
    lo, hi, total, seen = result.ci_low, result.ci_high, result.total, result.observed
    # With fewer than 5 children seen, the share times the published total would reveal the count.
    share = (
        f", so roughly {seen / total:.0%} of them are known to at least one agency"
        if not disclosure.is_small(seen) and total > 0
        else ""
    )
    text = (
        f"The agencies' lists together name {suppress(seen)} children. From how the lists overlap, the "
        f"best estimate is that about {suppress(total)} children in the area are affected in all"
        f"{share}. The total could plausibly be "
        f"anywhere from {suppress(lo)} to {suppress(hi)} ({result.level:.0%} interval)."
    )
    if hi > 2 * lo:
        text += (
            " The interval is wide: treat the figure as an order of magnitude, not a count, and look at "
            "the sensitivity table before quoting it."
        )
    text += (
        " The estimate assumes every affected child could have been on any list and that the chosen model "
        "captures how the agencies refer to each other; children no agency could ever see (for example, "
        "never in contact with any service) are not counted at all."
    )
    return text


def dark_figure_section(
    records: pd.DataFrame,
    *,
    list_column: str = "agency",
    child_column: str = "child_id",
    method: str = "stepwise",
    ci: str = "bca",
    boot: int = 1000,
    seed: int = 1234,
) -> str:
    """Return a self-contained HTML fragment estimating the partnership's dark figure.

    Parameters
    ----------
    records : pandas.DataFrame
        Linked records: one row per record with the child identifier and the agency list it came
        from (see :func:`jigsaw.stats.mse.table_from_records`).
    list_column, child_column : str
        Column names.
    method, ci, boot, seed
        Passed to :func:`jigsaw.stats.mse.estimate` (default: SparseMSE stepwise with a seeded BCa
        interval, as Chan, Silverman and Vincent 2021 recommend).

    Returns
    -------
    str
        A ``<section>`` with the estimate, interval, chosen model, children per list, the
        sensitivity table and a plain-English reading; no external assets. Counts below 5 show
        as "<5". When the lists cannot support an estimate the section says why instead.

    Raises
    ------
    ValueError
        Records missing the named columns or with blank values (naming the row).
    """
    parts = [
        '<section class="jigsaw-dark-figure">',
        _STYLE,
        '<h2 class="govuk-heading-l">Estimate of the unseen: children no agency has identified</h2>',
    ]
    try:
        table = table_from_records(
            records, list_column=list_column, child_column=child_column, source="linked records"
        )
    except ValueError as error:
        if "no '" in str(error) or "blank value" in str(error):
            raise
        parts.append(
            f'<p class="govuk-body">The dark figure cannot be estimated from these lists: '
            f"{html.escape(str(error))}.</p></section>"
        )
        return "\n".join(parts)
    try:
        result = estimate(table, method, ci=ci, boot=boot, seed=seed)
    except ValueError as error:
        parts.append(
            f'<p class="govuk-body">The dark figure cannot be estimated from these lists: '
            f"{html.escape(str(error))}.</p></section>"
        )
        return "\n".join(parts)
    model = " ".join(result.terms) or "main effects only (the lists look independent)"
    parts.append(
        f'<p class="govuk-body headline">About {suppress(result.total)} children in all '
        f"({suppress(result.ci_low)} to {suppress(result.ci_high)}), of whom "
        f"{suppress(result.observed)} are known to an agency.</p>"
    )
    parts.append(f'<p class="govuk-body">{_reading(result)}</p>')
    on_list = table.patterns.T @ table.counts
    rows = "".join(
        f'<tr><td>{html.escape(name)}</td><td class="num">{suppress(int(n))}</td></tr>'
        for name, n in zip(table.lists, on_list, strict=True)
    )
    parts.append(
        '<table class="govuk-table"><caption class="govuk-table__caption">Children on each list</caption>'
        f"<thead><tr><th>List</th><th>Children</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    diag = result.diagnostics
    parts.append(
        '<p class="govuk-body">Method: multiple systems estimation (Poisson log-linear capture-recapture). '
        f"Model choice: {html.escape(result.search)}; interactions kept: {html.escape(model)}. "
        f"Interval: {html.escape(result.ci)}"
        + (f" ({result.boot} resamples, seed {result.seed})" if result.boot else "")
        + ". "
        + (
            f"Pairs of lists that never overlap (treated as never referring to each other): "
            f"{html.escape(' '.join(diag.neg_inf_terms))}. "
            if diag.neg_inf_terms
            else ""
        )
        + f"Source: {html.escape(result.source)}.</p>"
    )
    sens = sensitivity(table)
    body = "".join(
        "<tr>"
        f"<td>{html.escape(str(r.lists))}</td><td>{html.escape(str(r.method))}</td>"
        f"<td>{html.escape(str(r.terms) or '-')}</td>"
        f'<td class="num">{suppress(r.total)}</td>'
        f'<td class="num">{suppress(r.ci_low)} to {suppress(r.ci_high)}</td>'
        "</tr>"
        if r.note == ""
        else f"<tr><td>{html.escape(str(r.lists))}</td><td>{html.escape(str(r.method))}</td>"
        f'<td colspan="3">not estimable: {html.escape(str(r.note))}</td></tr>'
        for r in _sensitivity_rows(sens)
    )
    parts.append(
        '<table class="govuk-table"><caption class="govuk-table__caption">How much the answer depends on the '
        "choices made (Wald 95% intervals)</caption><thead><tr><th>Lists</th><th>Method</th><th>Interactions</th>"
        f"<th>Total</th><th>Interval</th></tr></thead><tbody>{body}</tbody></table>"
    )
    parts.append("</section>")
    return "\n".join(parts)
