import json

import pytest

from jigsaw.linkage import Model
from jigsaw.linkage._comparisons import COMPARISONS


def test_the_shipped_model_round_trips_through_json(tmp_path):
    model = Model.default()
    path = tmp_path / "model.json"
    model.save(path)
    again = Model.load(path)
    assert again == model
    data = json.loads(path.read_text())
    assert data["format"] == "jigsaw.linkage.model/1"
    assert [c["name"] for c in data["comparisons"]] == [c.name for c in COMPARISONS]


def test_the_shipped_model_weighs_evidence_the_right_way_round():
    model = Model.default()

    def w(name, label):
        index = [
            level.label for level in next(c for c in COMPARISONS if c.name == name).levels
        ].index(label)
        return model.level_weight(name, index)

    assert w("nhs_number", "same NHS number") > 10
    assert w("nhs_number", "different NHS numbers") < -5
    assert (
        w("dob", "same date of birth")
        > w("dob", "day and month swapped")
        > 0
        > w("dob", "different dates of birth")
    )
    assert w("forename", "same forename") > w("forename", "nickname or variant (Jess/Jessica)") > 0
    # Surnames change (marriage, care, a parent's new name): disagreeing costs less than a forename.
    assert w("surname", "different surnames") > w("forename", "different forenames")
    assert 0 < model.review_threshold <= model.link_threshold < 1


def test_a_model_for_other_comparisons_is_refused(tmp_path):
    data = Model.default().to_dict()
    data["comparisons"][1]["levels"][2]["label"] = "something else"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="old.json: comparison 'forename' has levels"):
        Model.load(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        Model.load(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: [d], r"bad.json: not a Jigsaw linkage model \(expected a JSON object\)"),
        (
            lambda d: {k: v for k, v in d.items() if k != "comparisons"},
            r"bad.json: damaged linkage model \(KeyError: 'comparisons'\)",
        ),
        (
            lambda d: {**d, "comparisons": [{"name": "forename"}]},
            r"bad.json: damaged linkage model \(KeyError: 'levels'\)",
        ),
        (
            lambda d: {**d, "thresholds": {"link": 0.3, "review": 0.9}},
            r"bad.json: thresholds must satisfy 0 < review <= link < 1, got review=0.9, link=0.3",
        ),
    ],
)
def test_a_damaged_model_file_is_refused_naming_the_file(tmp_path, edit, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(edit(Model.default().to_dict())))
    with pytest.raises(ValueError, match=message):
        Model.load(path)
