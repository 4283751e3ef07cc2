"""Run on England, the world identifies children at the rates and spread the 2025 data shows.

Known answer: DfE Children in Need census 2025, CSE as a factor at the end of assessment, per
10,000 children aged 0-17 (``england/cse_rates_la_derived.csv``): median 10.0 across LAs,
national 10.2. A scaled-down England (children shared out by real LA population) is enough: the
between-area spread is measured on each area's exact expected rate, which small samples do not
blur, and the national rate on the children actually identified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jigsaw.datasets.shipped import folder
from jigsaw.world import generate


@pytest.fixture(scope="module")
def real():
    frame = pd.read_csv(folder("england") / "cse_rates_la_derived.csv", dtype=str)
    frame = frame[frame["time_period"] == "2025"]
    for column in ("population_0_17", "cse_per_10k", "cse_episodes"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


@pytest.fixture(scope="module")
def england():
    return generate(children=40_000, england=True, seed=2025)


def _comparable(frame: pd.DataFrame, population: str) -> pd.DataFrame:
    # City of London and Isles of Scilly (under 1,000 children) are left out, as DfE does.
    return frame[frame[population] > 5_000]


def test_england_has_the_real_local_authorities_in_proportion(england, real):
    areas = england.areas
    assert len(areas) == 153
    assert set(areas["area_code"]) == set(real["new_la_code"])
    codes = real.set_index("new_la_code")["old_la_code"]
    assert (areas["old_la_code"].to_numpy() == codes[areas["area_code"]].to_numpy()).all()
    assert areas["children"].sum() == 40_000
    assert np.corrcoef(areas["children"], areas["population_0_17"])[0, 1] > 0.999


def test_between_area_spread_matches_2025(england, real):
    rates = _comparable(real, "population_0_17")["cse_per_10k"].dropna()
    simulated = _comparable(england.areas, "population_0_17")["expected_identified_per_10k"]
    assert simulated.median() == pytest.approx(rates.median(), rel=0.2)
    assert simulated.quantile(0.25) == pytest.approx(rates.quantile(0.25), rel=0.25)
    assert simulated.quantile(0.75) == pytest.approx(rates.quantile(0.75), rel=0.25)
    real_spread = np.log(rates + 0.5).std()
    assert np.log(simulated + 0.5).std() == pytest.approx(real_spread, abs=0.15)
    # Some areas under-identify: the lowest tenth sits well below the median, as in 2025.
    assert simulated.quantile(0.1) < 0.6 * simulated.median()


def test_national_identified_rate_matches_2025(england, real):
    national = real["cse_episodes"].sum() / real["population_0_17"].sum() * 10_000
    years = england.config.years
    expected = england.children["p_identified"].sum() / len(england.children) / years * 10_000
    realised = england.outcomes["identified"].mean() / years * 10_000
    assert expected == pytest.approx(national, rel=0.1)
    assert realised == pytest.approx(national, rel=0.25)
