"""Fitting the model to a partnership's own records, its guards, and explanations of the fitted
model's links and refusals."""

import json
import math

import pandas as pd
import pytest

from jigsaw.cli import main
from jigsaw.linkage import Model, OnlineMatcher, link_prepared, prepare
from jigsaw.linkage._comparisons import COMPARISONS, FULL_NAME, FULL_NAME_LABEL
from jigsaw.linkage._train import MAX_SHIFT_BITS, fit

_NAMES = {c.name for c in COMPARISONS}


@pytest.fixture(scope="module")
def prepared(world):
    return prepare(world.records).frame


@pytest.fixture(scope="module")
def fitted(prepared):
    return fit(prepared, source="test world", max_pairs=3e5)


def test_fitting_starts_from_the_shipped_model_and_stays_near_it(fitted, prepared):
    shipped = Model.default()
    assert fitted.trained, fitted.messages
    model = fitted.model
    assert model.version.startswith(f"{shipped.version}+fit.")
    assert (model.link_threshold, model.review_threshold) == (
        shipped.link_threshold,
        shipped.review_threshold,
    )
    assert model.trained_records == len(prepared)
    assert all(s["converged"] for s in fitted.summary["em"])
    moved = 0.0
    for comparison in COMPARISONS:
        for after, before in zip(
            model.levels[comparison.name], shipped.levels[comparison.name], strict=True
        ):
            if after is None:
                continue
            shift = abs(math.log2(after[0] / after[1]) - math.log2(before[0] / before[1]))
            assert shift <= MAX_SHIFT_BITS + 1e-9
            moved = max(moved, shift)
    assert moved > 0.01, "training changed nothing: it did not run"
    # The NHS number's m is fixed (EM cannot learn it from twins), so it is the shipped one.
    assert model.levels["nhs_number"][1][0] == shipped.levels["nhs_number"][1][0]


def test_the_fitted_model_is_saved_with_its_summary_and_reloads(fitted, tmp_path):
    path = tmp_path / "fitted.json"
    fitted.model.save(path)
    data = json.loads(path.read_text())
    assert data["version"] == fitted.model.version
    assert data["notes"]["training"]["records"] == fitted.summary["records"]
    assert data["notes"]["training"]["messages"] == fitted.messages
    again = Model.load(path)
    assert again.levels == fitted.model.levels


def test_too_few_records_fall_back_to_the_starting_model_and_say_so(prepared):
    small = fit(prepared.head(300))
    assert not small.trained and small.model == Model.default()
    assert "fewer than the 1,000 needed" in small.messages[0]


def test_em_that_does_not_converge_falls_back_and_says_so(prepared):
    stopped = fit(prepared, max_pairs=3e5, max_iterations=1)
    assert not stopped.trained and stopped.model == Model.default()
    assert stopped.summary["em"][0]["last_change"] >= 1e-4
    assert "did not converge within 1 iterations" in stopped.messages[0]


def test_levels_moving_too_far_keep_the_starting_weight_and_say_so(prepared, fitted):
    tight = fit(prepared, max_pairs=3e5, max_shift_bits=0.05)
    kept = {(k["comparison"], k["level"]) for k in tight.summary["levels_kept_from_start"]}
    shipped = Model.default()
    stand_ins: list[tuple[str, str]] = []
    for comparison in COMPARISONS:
        for spec, after, before in zip(
            comparison.levels,
            tight.model.levels[comparison.name],
            shipped.levels[comparison.name],
            strict=True,
        ):
            if after is None:
                continue
            if spec.neutral:
                assert after[0] == after[1]  # weighs nothing, trained or not
            elif (comparison.name, spec.label) in kept:
                assert after == before
            elif before[0] == before[1]:
                # A stand-in (the shipped model never saw the level among matches) is no
                # estimate to stay near: the fitted value is taken, however far.
                stand_ins.append((comparison.name, spec.label))
            else:
                shift = abs(math.log2(after[0] / after[1]) - math.log2(before[0] / before[1]))
                assert shift <= 0.05 + 1e-9
    assert not {(c, level) for c, level in stand_ins} & kept
    assert len(kept) > len(fitted.summary["levels_kept_from_start"])
    assert any("keeps the starting weight (moved" in m for m in tight.messages)


def _steps(text):
    """Parse a waterfall line back into (comparison, label, weight)."""
    out = []
    for part in text.split("; "):
        name, rest = part.split(": ", 1)
        label, weight = rest.rsplit(" ", 1)
        out.append((name, label, float(weight)))
    return out


def test_every_link_and_refusal_of_a_fitted_model_is_explained(fitted, prepared, world):
    result = link_prepared(prepared, model=fitted.model)
    assert len(result.review) > 0
    labels = {c.name: {level.label for level in c.levels} for c in COMPARISONS}
    for row in result.review.itertuples(index=False):
        steps = _steps(row.explanation)
        assert steps[0][:2] == ("prior", "two random records")
        # One step per comparison, then the full-name step where it weakened the pair.
        compared = steps[1:-1] if steps[-1][0] == FULL_NAME else steps[1:]
        assert [s[0] for s in compared] == [c.name for c in COMPARISONS]
        assert all(label in labels[name] for name, label, _ in compared)
        assert all(label == FULL_NAME_LABEL and w < 0 for n, label, w in steps if n == FULL_NAME)
        # The weights add up to the pair's match weight (each rounded to 0.01).
        assert math.isclose(sum(s[2] for s in steps), row.match_weight, abs_tol=0.01 * len(steps))
        assert row.reason
    # One record at a time with the fitted model: links explained, refusals name the constraint.
    frame = world.records.merge(result.clusters[["record_id", "child_id"]], on="record_id")
    matcher = OnlineMatcher.from_records(frame.iloc[:-50], model=fitted.model)
    decisions = set()
    for record in frame.iloc[-50:].to_dict("records"):
        for match in matcher.match(record):
            decisions.add(match.decision)
            names = [step[0] for step in match.explanation]
            assert names[0] == "prior" and set(names[1 : len(COMPARISONS) + 1]) == _NAMES
            if match.explanation[-1][0] == "constraint":
                assert match.decision == "no_link" and match.explanation[-1][1]
            else:
                assert math.isclose(
                    sum(s[2] for s in match.explanation), match.match_weight, abs_tol=0.01
                )
    assert "link" in decisions
    # A twin: every identifier of a known record but the forename.
    twin = {**frame.iloc[0].to_dict(), "record_id": "T1", "first_name": "Zebedee"}
    refused = [m for m in matcher.match(twin, limit=50) if m.explanation[-1][0] == "constraint"]
    assert refused and refused[0].explanation[-1][1].startswith(
        "same date of birth, different forenames"
    )


def test_link_command_trains_writes_the_model_and_reuses_it(tmp_path, world, capsys):
    source = tmp_path / "records.csv"
    world.records.head(3000).to_csv(source, index=False)
    fitted_path, out, again = tmp_path / "fitted.json", tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["link", str(source), "--out", str(out), "--train", str(fitted_path)]) == 0
    err = capsys.readouterr().err
    assert "trained on 3,000 records" in err and f"wrote {fitted_path}" in err
    model = Model.load(fitted_path)
    assert "+fit." in model.version and model.notes["training"]["records"] == 3000
    assert (
        main(["link", str(source), "--out", str(again), "--model", str(fitted_path), "--quiet"])
        == 0
    )
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(again))
