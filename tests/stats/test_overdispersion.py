"""Overdispersed limits: Spiegelhalter's estimator against statsmodels' DerSimonian-Laird, and
both estimators against data simulated with a known between-area variance."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from jigsaw.stats.overdispersion import (
    Overdispersion,
    estimate,
    transformed_residuals,
    winsorise,
    z_scores,
)


def _random_effects_counts(rng, areas, tau, scale="log", outliers=0, outlier_ratio=0.3):
    """Counts whose ratio to expected varies with sd ``tau`` on the transformed scale."""
    expected = rng.lognormal(np.log(60), 0.6, areas)
    effect = rng.normal(0, tau, areas)
    mean = expected * (np.exp(effect) if scale == "log" else np.maximum(1 + effect, 0) ** 2)
    mean[:outliers] *= outlier_ratio
    return rng.poisson(mean), expected


def test_transformations_and_poisson_z_scores():
    y, s = transformed_residuals([0, 50, 200], [100, 50, 100], scale="log")
    np.testing.assert_allclose(y, [np.log(0.005), 0.0, np.log(2)])
    np.testing.assert_allclose(s, [0.1, 1 / np.sqrt(50), 0.1])
    # Square root: z = 2 (sqrt(O) - sqrt(E)), Spiegelhalter (2005) for Poisson counts.
    np.testing.assert_allclose(z_scores([36, 4], [25, 9], scale="sqrt"), [2.0, -2.0])


def test_winsorise_pulls_each_tail_to_its_quantile():
    z = np.arange(1.0, 21.0)  # 10% quantile (linear) = 2.9, 90% = 18.1
    w = winsorise(z, 0.1)
    assert w.min() == pytest.approx(2.9) and w.max() == pytest.approx(18.1)
    np.testing.assert_array_equal(w[3:17], z[3:17])
    with pytest.raises(ValueError):
        winsorise(z, 0.5)


def test_spiegelhalter_tau2_is_dersimonian_laird_on_the_winsorised_z_scores():
    """With the target known, DerSimonian-Laird's Q is n * phi. statsmodels estimates the mean,
    so centre the residuals on their weighted mean to make the two definitions coincide."""
    rng = np.random.default_rng(11)
    observed, expected = _random_effects_counts(rng, 120, 0.3)
    y, s = transformed_residuals(observed, expected)
    w = 1 / s**2
    y_centred = y - np.sum(w * y) / np.sum(w)
    fit = estimate(
        np.exp(y_centred) * expected, expected, estimator="dersimonian-laird", winsor=0.0
    )
    reference = combine_effects(y_centred, s**2, method_re="dl")
    assert fit.tau2 == pytest.approx(reference.tau2, rel=1e-9)
    assert fit.phi == pytest.approx(np.mean((y_centred / s) ** 2), rel=1e-12)


@pytest.mark.parametrize("scale", ["log", "sqrt"])
def test_estimators_recover_a_known_tau_without_outliers(scale):
    rng = np.random.default_rng(5)
    observed, expected = _random_effects_counts(rng, 3000, 0.25, scale=scale)
    robust = estimate(observed, expected, scale=scale)
    moments = estimate(observed, expected, scale=scale, estimator="dersimonian-laird", winsor=0)
    assert np.sqrt(robust.tau2) == pytest.approx(0.25, rel=0.06)
    assert np.sqrt(moments.tau2) == pytest.approx(0.25, rel=0.06)
    # Winsorising 10% each end shrinks phi (a normal's winsorised second moment is 0.68),
    # so Spiegelhalter's estimate is low even without outliers; the robust one corrects for
    # its trimming.
    winsorised = estimate(observed, expected, scale=scale, estimator="dersimonian-laird")
    assert 0.15 < np.sqrt(winsorised.tau2) < 0.22


def test_poisson_data_are_not_overdispersed():
    rng = np.random.default_rng(2)
    expected = rng.uniform(20, 400, 500)
    fit = estimate(rng.poisson(expected), expected)
    assert fit.tau2 < 0.002
    assert fit.phi == pytest.approx(1.0, abs=0.15)


def test_outliers_inflate_spiegelhalter_but_not_the_robust_estimate():
    """15% of areas identifying 30% of what they should: the masking the module exists for."""
    rng = np.random.default_rng(8)
    observed, expected = _random_effects_counts(rng, 1000, 0.2, outliers=150)
    plain = estimate(observed, expected, estimator="dersimonian-laird")
    robust = estimate(observed, expected)
    assert np.sqrt(plain.tau2) > 0.3
    assert np.sqrt(robust.tau2) == pytest.approx(0.2, rel=0.1)
    flagged = robust.compare(observed, expected) == "lower"
    assert flagged[:150].mean() > 0.9 and flagged[150:].mean() < 0.01
    assert set(robust.excluded) >= set(np.flatnonzero(flagged))
    assert (plain.compare(observed, expected)[:150] == "lower").mean() < flagged[:150].mean()


def test_limits_cover_the_stated_share_of_in_control_areas():
    rng = np.random.default_rng(4)
    tau = 0.2
    observed, expected = _random_effects_counts(rng, 20000, tau)
    fit = Overdispersion(tau**2, 1.0, "log", "robust", 1, (), 0.998, 0.1, "known tau")
    for level in (0.95, 0.998):
        lower, upper = fit.limits(expected, level)
        inside = np.mean((observed >= lower) & (observed <= upper))
        assert inside == pytest.approx(level, abs=0.01)


def test_limits_formula_and_rate_limits():
    fit = Overdispersion(0.01, 1.0, "log", "robust", 1, (), 0.998, 0.1, "example")
    lower, upper = fit.limits([100.0], 0.95)
    half = stats.norm.ppf(0.975) * np.sqrt(1 / 100 + 0.01)
    np.testing.assert_allclose([lower[0], upper[0]], [100 * np.exp(-half), 100 * np.exp(half)])
    rl, ru = fit.rate_limits([50_000], 20.0, level=0.95)
    np.testing.assert_allclose([rl[0], ru[0]], [20 * np.exp(-half), 20 * np.exp(half)])
    sqrt_fit = Overdispersion(0.0, 1.0, "sqrt", "robust", 1, (), 0.95, 0.1, "poisson")
    lower, upper = sqrt_fit.limits([100.0])
    np.testing.assert_allclose(
        [lower[0], upper[0]], [(10 - 1.959964 / 2) ** 2, (10 + 1.959964 / 2) ** 2], rtol=1e-6
    )


def test_compare_labels_and_count_variance():
    fit = Overdispersion(0.04, 1.0, "log", "robust", 1, (), 0.95, 0.1, "example")
    labels = fit.compare([20, 100, 300], [100, 100, 100])
    assert labels.tolist() == ["lower", "similar", "higher"]
    np.testing.assert_allclose(fit.count_variance([100.0]), [100 + 100**2 * 0.04])


@pytest.mark.parametrize(
    ("observed", "expected", "message"),
    [
        ([1, -1, 3], [1, 1, 1], "observed must be a count >= 0: row 1"),
        ([1, np.nan, 3], [1, 1, 1], "observed must be a count >= 0: row 1"),
        ([1, 2, 3], [1, 0, 1], "expected must be > 0: row 1"),
        ([1, 2], [1, 2], "at least 3 areas"),
    ],
)
def test_bad_input_is_refused(observed, expected, message):
    with pytest.raises(ValueError, match=message):
        estimate(observed, expected)


def test_unknown_scale_estimator_level():
    with pytest.raises(ValueError, match="scale"):
        estimate([1, 2, 3], [1, 2, 3], scale="logit")
    with pytest.raises(ValueError, match="estimator"):
        estimate([1, 2, 3], [1, 2, 3], estimator="mad")
    with pytest.raises(ValueError, match="level"):
        estimate([1, 2, 3], [1, 2, 3], level=95)


def test_trimming_correction_is_the_truncated_normal_variance():
    from jigsaw.stats.overdispersion import _truncated_normal_variance

    assert _truncated_normal_variance(2.5) == pytest.approx(stats.truncnorm(-2.5, 2.5).var())
    assert _truncated_normal_variance(2.5) == pytest.approx(0.911, abs=5e-4)
    with pytest.raises(ValueError, match="trim"):
        estimate([1, 2, 3], [1, 2, 3], trim=0.5)
