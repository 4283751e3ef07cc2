"""The national analysis of 2025: loaded once, analysed once, the README's headline figures."""

from __future__ import annotations

import dataclasses

import pytest

from jigsaw.oversight import analyse_national, load_national
from jigsaw.report.national import render_page


@pytest.fixture(scope="module")
def analysis():
    return analyse_national(load_national(2025))


def test_headline_figures_of_the_readme(analysis):
    s = analysis.summary
    assert (s.lower, s.compared, s.areas) == (2, 150, 153)
    assert s.flagged_areas == ["Essex", "Brighton and Hove"]
    assert [round(x) for x in (s.shortfall, s.shortfall_lower, s.shortfall_upper)] == [271, 72, 806]
    assert s.warning["lower"] == 7 and round(s.warning["shortfall"]) == 597
    assert (round(s.warning["shortfall_lower"]), round(s.warning["shortfall_upper"])) == (271, 1175)
    assert s.higher == 0 and round(s.national_rate, 1) == 10.2
    # The published total is over the LAs whose counts are shown (City of London and the
    # Isles of Scilly have small counts, so are left out, and say so).
    assert (s.identified, s.identified_withheld) == (12_401, 2)


def test_both_levels_and_everything_drawn_come_from_one_analysis(analysis):
    assert (analysis.alarm.level, analysis.warning.level) == (0.998, 0.95)
    assert analysis.alarm.total.flagged == 2 and analysis.warning.total.flagged == 7
    assert len(analysis.spreads) == 150
    assert analysis.trend_years == list(range(2018, 2026))
    assert len(analysis.trends) == 153
    assert analysis.funnel.centre == pytest.approx(analysis.summary.national_rate)


def test_inputs_and_analysis_are_frozen(analysis):
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.inputs.year = 2024  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.summary = None  # type: ignore[misc]


def test_rendering_is_pure(analysis):
    assert render_page(analysis) == render_page(analysis)
    assert 'id="dark-figure"' in render_page(analysis, '<div id="dark-figure"></div>')
