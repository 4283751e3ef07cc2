"""Multiple systems estimation of the dark figure: how many children no list has caught.

Poisson log-linear capture-recapture on the complete table of 2^t - 1 capture patterns
(2 <= t <= 10 lists), to the standard of Silverman (2014, Home Office), Chan, Silverman and
Vincent (2021, JASA 116:1297) and Silverman, Chan and Vincent (2024, Statistics and Computing
34:44). Model choice ``stepwise`` | ``aic`` | ``bic`` | ``main`` | ``fixed``; intervals
``wald`` | ``profile`` | ``bca``. See ``docs/methods/mse.md``.

>>> from jigsaw.stats.mse import read_table, estimate
>>> from jigsaw.datasets.shipped import mse_example
>>> uk = read_table(mse_example("UKdat"))
>>> r = estimate(uk, "aic", ci="profile")  # Silverman (2014): between 10,000 and 13,000
>>> round(r.total), round(r.ci_low), round(r.ci_high)
(11418, 9982, 13182)
"""

from jigsaw.stats.mse._estimate import (
    CI_METHODS,
    Diagnostics,
    MSEEstimate,
    check_models,
    estimate,
    sensitivity,
)
from jigsaw.stats.mse._select import METHODS
from jigsaw.stats.mse._strata import stratified, stratified_tables, sum_interval
from jigsaw.stats.mse._table import CaptureTable, read_table, table_from_frame, table_from_records

__all__ = [
    "CI_METHODS",
    "METHODS",
    "CaptureTable",
    "Diagnostics",
    "MSEEstimate",
    "check_models",
    "estimate",
    "read_table",
    "sensitivity",
    "stratified",
    "stratified_tables",
    "sum_interval",
    "table_from_frame",
    "table_from_records",
]
