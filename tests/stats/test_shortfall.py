"""Peers' rate, expected count, shortfall and comparison, checked by hand on small areas and on the
real 2025 English data with DfE's neighbours."""

import numpy as np
import pandas as pd
import pytest

from jigsaw.datasets.shipped import folder
from jigsaw.stats.neighbours import statistical_neighbours
from jigsaw.stats.rates import rate
from jigsaw.stats.shortfall import compare_with_peers, shortfall_summary

AREAS = pd.DataFrame(
    {
        "area_code": [f"E0{i}" for i in range(8)],
        "area_name": [f"Area {i}" for i in range(8)],
        "identified": [40, 55, 3, 80, 61, 0, 47, 52],
        "children": [50_000, 52_000, 45_000, 90_000, 60_000, 2_000, 41_000, 70_000],
    }
)
# Each area's peers: the next three around a ring (so the relation is not symmetric).
RING = pd.DataFrame(
    [(f"E0{i}", f"E0{(i + d) % 8}") for i in range(8) for d in (1, 2, 3)],
    columns=["area_code", "neighbour_code"],
)


def _by_hand(areas, pairs, per=10_000):
    rows = {}
    counts = areas.set_index("area_code")
    for code, group in pairs.groupby("area_code"):
        peers = counts.loc[group["neighbour_code"]]
        peer_rate = peers["identified"].sum() / peers["children"].sum() * per
        rows[code] = (
            peer_rate,
            np.median(peers["identified"] / peers["children"] * per),
            counts.loc[code, "children"] * peer_rate / per,
        )
    return pd.DataFrame(rows, index=["peer_rate", "peer_median_rate", "expected"]).T


def test_peer_rate_expected_and_shortfall_by_hand():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False)
    result = comparison.table
    hand = _by_hand(AREAS, RING)
    assert result["area_code"].tolist() == AREAS["area_code"].tolist()
    assert result["area_name"].tolist() == AREAS["area_name"].tolist()
    np.testing.assert_allclose(result["peer_rate"], hand["peer_rate"], rtol=1e-12)
    np.testing.assert_allclose(result["peer_median_rate"], hand["peer_median_rate"], rtol=1e-12)
    np.testing.assert_allclose(result["expected"], hand["expected"], rtol=1e-12)
    np.testing.assert_allclose(
        result["shortfall"], hand["expected"].to_numpy() - AREAS["identified"]
    )
    assert (result["peers"] == 3).all()
    own = rate(AREAS["identified"], AREAS["children"], per=10_000, level=0.95)
    np.testing.assert_allclose(result["rate"], own.value)
    np.testing.assert_allclose(result["rate_lower"], own.lower)
    np.testing.assert_allclose(result["rate_upper"], own.upper)


def test_z_comparison_and_interval_follow_the_stated_formulas():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False, level=0.95)
    result = comparison.table
    fit = comparison.overdispersion
    o, e = result["identified"].to_numpy(float), result["expected"].to_numpy()
    z = np.log(np.maximum(o, 0.5) / e) / np.sqrt(1 / e + fit.tau2)
    np.testing.assert_allclose(result["z"], z, rtol=1e-12)
    expected_labels = np.where(z < -1.959964, "lower", np.where(z > 1.959964, "higher", "similar"))
    assert result["comparison"].tolist() == expected_labels.tolist()
    # Shortfall variance: peers' counts (Poisson from their exact/Byar width, plus O^2 tau2)
    # scaled by the area's share of the peers' children, plus the area's own Poisson part,
    # plus its own prevalence's distance from its peers (E^2 tau2).
    n = result["children"].to_numpy()
    poisson = ((result["rate_upper"] - result["rate_lower"]) * n / 10_000 / (2 * 1.959964)) ** 2
    for i, code in enumerate(result["area_code"]):
        peers = RING[RING["area_code"] == code]["neighbour_code"]
        j = result.index[result["area_code"].isin(peers)]
        share = n[i] / n[j].sum()
        variance = (
            (share**2 * (poisson[j] + o[j] ** 2 * fit.tau2)).sum()
            + poisson[i]
            + e[i] ** 2 * fit.tau2
        )
        # Log-normal interval for the expected count, then minus what was identified.
        spread = np.exp(1.959964 * np.sqrt(np.log(1 + variance / e[i] ** 2)))
        assert result["shortfall_upper"][i] == pytest.approx(e[i] * spread - o[i], rel=1e-5)
        assert result["shortfall_lower"][i] == pytest.approx(e[i] / spread - o[i], rel=1e-5)


def test_area_with_no_identified_child_and_many_expected_is_lower():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False)
    result = comparison.table
    row = result.set_index("area_code").loc["E02"]
    assert row["comparison"] == "lower"
    assert row["shortfall_lower"] > 0
    # A zero count where about two were expected is within chance.
    assert result.set_index("area_code").loc["E05", "comparison"] == "similar"


def test_summary_of_one_flagged_area_is_its_own_shortfall():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False)
    result = comparison.table
    flagged = result[result["comparison"] == "lower"]
    assert flagged["area_code"].tolist() == ["E02"]
    summary = shortfall_summary(comparison)
    assert summary.flagged == 1 and summary.compared == 8
    assert summary.shortfall == pytest.approx(flagged["shortfall"].iloc[0])
    assert summary.lower == pytest.approx(flagged["shortfall_lower"].iloc[0])
    assert summary.upper == pytest.approx(flagged["shortfall_upper"].iloc[0])
    assert summary.identified == 3


def test_shared_peers_widen_the_total_interval():
    """Two flagged areas with the same peers: their errors add, not in quadrature."""
    areas = pd.DataFrame(
        {
            "area_code": list("ABCDEFGH"),
            "identified": [5, 5, 100, 110, 95, 105, 90, 100],
            "children": [100_000] * 8,
        }
    )
    pairs = pd.DataFrame(
        [(a, b) for a in "AB" for b in "CDEFGH"]
        + [(a, b) for a in "CDEFGH" for b in "CDEFGH" if a != b],
        columns=["area_code", "neighbour_code"],
    )
    comparison = compare_with_peers(areas, pairs, exclude_lower_peers=False, level=0.95)
    result = comparison.table
    assert result["comparison"].tolist()[:2] == ["lower", "lower"]
    summary = shortfall_summary(comparison)
    # On the log scale of the expected count: the total's relative spread lies between that of
    # independent errors and that of identical ones.
    e = result["expected"][:2].to_numpy()
    sigma = np.log((result["shortfall_upper"][:2].to_numpy() + 5) / e)
    total_sigma = np.log((summary.upper + 10) / e.sum())
    independent = np.sqrt(((e * sigma) ** 2).sum()) / e.sum()
    assert independent < total_sigma < sigma.max()


def test_suppressed_count_gets_no_comparison_and_leaves_the_peer_groups():
    areas = AREAS.astype({"identified": object})
    areas.loc[3, "identified"] = None
    comparison = compare_with_peers(areas, RING, exclude_lower_peers=False)
    result = comparison.table
    row = result.set_index("area_code").loc["E03"]
    assert pd.isna(row["rate"]) and row["comparison"] is None and pd.isna(row["shortfall"])
    kept = AREAS.drop(index=3)
    hand = _by_hand(
        kept,
        RING[
            RING["neighbour_code"].isin(kept["area_code"])
            & RING["area_code"].isin(kept["area_code"])
        ],
    )
    got = result.set_index("area_code").drop(index="E03")
    np.testing.assert_allclose(got["peer_rate"], hand["peer_rate"], rtol=1e-12)
    assert got.loc["E00", "peers"] == 2  # E03 was one of E00's three


def test_flagged_peers_are_left_out_of_the_benchmark():
    rng = np.random.default_rng(1)
    children = rng.integers(40_000, 90_000, 12)
    identified = rng.poisson(children * 10 / 10_000)
    identified[2] = 2  # far below everyone
    areas = pd.DataFrame(
        {
            "area_code": [f"A{i:02d}" for i in range(12)],
            "identified": identified,
            "children": children,
        }
    )
    pairs = pd.DataFrame(
        [(f"A{i:02d}", f"A{(i + d) % 12:02d}") for i in range(12) for d in range(1, 7)],
        columns=["area_code", "neighbour_code"],
    )
    with_all = compare_with_peers(areas, pairs, exclude_lower_peers=False).table.set_index(
        "area_code"
    )
    robust = compare_with_peers(areas, pairs).table.set_index("area_code")
    assert robust.loc["A02", "comparison"] == "lower"
    assert robust["comparison"].eq("lower").sum() == 1
    counted_a02 = [f"A{i:02d}" for i in (8, 9, 10, 11, 0, 1)]  # the areas A02 is a peer of
    assert (robust.loc[counted_a02, "peers"] == 5).all()
    assert (robust.drop(index=counted_a02)["peers"] == 6).all()
    for code in counted_a02:
        mine = pairs[pairs["area_code"] == code]["neighbour_code"]
        peers = areas.set_index("area_code").loc[[c for c in mine if c != "A02"]]
        assert robust.loc[code, "peer_rate"] == pytest.approx(
            peers["identified"].sum() / peers["children"].sum() * 10_000, rel=1e-12
        )
        assert robust.loc[code, "peer_rate"] > with_all.loc[code, "peer_rate"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.drop(columns="children"), "areas: missing column"),
        (
            lambda a: a.assign(identified=[40, 55, 3, -1, 61, 0, 47, 52]),
            "areas row 4, column identified: negative",
        ),
        (
            lambda a: a.assign(children=[50_000, "many", 1, 1, 1, 1, 1, 1]),
            "areas row 2, column children: not a number",
        ),
        (
            lambda a: a.assign(area_code=["E00", "E01", "E00", "E03", "E04", "E05", "E06", "E07"]),
            "areas row 3, column area_code: duplicate",
        ),
        (
            lambda a: a.assign(children=[50_000, 0, 1, 1, 1, 1, 1, 1]),
            "areas row 2, column children: zero",
        ),
    ],
)
def test_bad_areas_are_refused_naming_row_and_column(change, message):
    with pytest.raises(ValueError, match=message):
        compare_with_peers(change(AREAS.copy()), RING)


def test_bad_neighbours_are_refused():
    with pytest.raises(ValueError, match="neighbours: missing column"):
        compare_with_peers(AREAS, RING.rename(columns={"neighbour_code": "peer"}))
    selfish = pd.concat([RING, pd.DataFrame({"area_code": ["E05"], "neighbour_code": ["E05"]})])
    with pytest.raises(ValueError, match="neighbours row 25, column neighbour_code: area 'E05'"):
        compare_with_peers(AREAS, selfish)
    with pytest.raises(ValueError, match="PeerComparison compare_with_peers returned"):
        shortfall_summary(AREAS)


def _england_2025() -> pd.DataFrame:
    data = pd.read_csv(folder("england") / "cse_rates_la_derived.csv", dtype=str)
    data = data[data["time_period"] == "2025"]
    return pd.DataFrame(
        {
            "area_code": data["new_la_code"],
            "area_name": data["la_name"],
            "identified": pd.to_numeric(data["cse_episodes"], errors="coerce"),
            "children": pd.to_numeric(data["population_0_17"], errors="coerce"),
        }
    )


def test_real_2025_data_with_dfe_neighbours():
    areas = _england_2025()
    neighbours = statistical_neighbours(2025)
    comparison = compare_with_peers(areas, neighbours, exclude_lower_peers=False)
    result = comparison.table
    assert len(result) == 153 and result["comparison"].notna().all()
    assert (result["peers"] == 10).all()
    # Barnsley's peers' rate from its ten DfE neighbours, read straight from the files.
    barnsley = neighbours[neighbours["area_dfe_code"] == "370"]["neighbour_code"]
    peers = areas.set_index("area_code").loc[barnsley]
    row = result.set_index("area_code").loc["E08000016"]
    assert row["peer_rate"] == pytest.approx(
        peers["identified"].sum() / peers["children"].sum() * 10_000, rel=1e-12
    )
    # The spread around peers is far beyond Poisson chance (README: rates from under 1 to ~50).
    fit = comparison.overdispersion
    assert fit.phi > 5 and np.sqrt(fit.tau2) > 0.3
    assert set(result["comparison"]) <= {"lower", "similar", "higher"}
    summary = shortfall_summary(compare_with_peers(areas, neighbours))
    assert 0 < summary.lower <= summary.shortfall <= summary.upper


def test_square_root_scale_and_no_flagged_areas():
    comparison = compare_with_peers(
        AREAS, RING, scale="sqrt", exclude_lower_peers=False, level=0.95
    )
    result = comparison.table
    fit = comparison.overdispersion
    assert fit.scale == "sqrt"
    o, e = result["identified"].to_numpy(float), result["expected"].to_numpy()
    np.testing.assert_allclose(result["z"], (np.sqrt(o / e) - 1) / np.sqrt(1 / (4 * e) + fit.tau2))
    np.testing.assert_allclose(result["peer_rate"], _by_hand(AREAS, RING)["peer_rate"])
    calm = AREAS.assign(identified=(AREAS["children"] / 1000).round())
    summary = shortfall_summary(compare_with_peers(calm, RING))
    assert (summary.flagged, summary.shortfall, summary.lower, summary.upper) == (0, 0, 0, 0)


def test_result_is_a_frozen_comparison_with_its_fit_and_peers():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False)
    with pytest.raises(AttributeError):
        comparison.per = 1.0  # type: ignore[misc]
    assert comparison.table.attrs == {}  # no state hidden in the frame
    assert comparison.weights.shape == (8, 8) and comparison.weights.sum() == 24
    assert comparison.summary() == shortfall_summary(comparison)


def test_areas_that_are_not_peers_leave_every_benchmark_but_keep_their_own_comparison():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False, not_peers=["E02"])
    got = comparison.table.set_index("area_code")
    kept = RING[RING["neighbour_code"] != "E02"]
    hand = _by_hand(AREAS, kept)
    np.testing.assert_allclose(got.loc[hand.index, "peer_rate"], hand["peer_rate"], rtol=1e-12)
    assert got.loc["E07", "peers"] == 2  # E07's ring peers are E00, E01 and E02
    assert got.loc["E02", "comparison"] == "lower"  # still compared with its own peers


def test_flagged_areas_left_out_of_the_total_do_not_enter_it():
    comparison = compare_with_peers(AREAS, RING, exclude_lower_peers=False)
    summary = shortfall_summary(comparison, leave_out=["E02"])
    assert (summary.flagged, summary.left_out, summary.shortfall) == (0, 1, 0)
    assert (summary.lower, summary.upper, summary.identified) == (0, 0, 0)
