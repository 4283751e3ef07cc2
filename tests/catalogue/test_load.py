"""The shipped catalogue loads, and each kind of broken catalogue is refused with a clear error."""

import copy

import pytest
import yaml

from jigsaw.catalogue import KINDS, LEVELS, Grade, load, parse
from jigsaw.catalogue._load import DEFAULT_PATH

# The eleven domains of the UK CSE screening tools the catalogue is built from, in their words;
# the catalogue must carry exactly these.
SCREENING_DOMAINS = [
    "Sexual health",
    "Going missing and absence",
    "Family",
    "Emotional and physical wellbeing",
    "Gangs, older associates and crime",
    "Technology and online",
    "Alcohol and drugs",
    "Unexplained gifts, money and goods",
    "Relationships and grooming",
    "Education",
    "Disclosure",
]
AGENCIES = {"police", "education", "social_care", "health", "youth_justice", "voluntary", "housing"}


@pytest.fixture(scope="module")
def shipped_raw():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def raw(shipped_raw):
    return copy.deepcopy(shipped_raw)


def test_shipped_catalogue_loads_with_the_screening_domains_and_agencies():
    catalogue = load()
    assert catalogue.version
    assert [d.label for d in catalogue.domains] == SCREENING_DOMAINS
    assert {a.id for a in catalogue.agencies} == AGENCIES
    assert 60 <= len(catalogue.indicators) <= 100
    for indicator in catalogue.indicators:
        assert indicator.level in LEVELS
        assert indicator.kind in KINDS
        assert indicator.sources
        assert set(indicator.agencies) <= AGENCIES
        assert len(indicator.description) > len(indicator.label)


def test_every_domain_has_indicators_and_disclosures_are_high():
    catalogue = load()
    groups = catalogue.by_domain()
    assert all(groups[d] for d in catalogue.domains)
    disclosures = catalogue.select(kind="disclosure")
    assert disclosures and all(i.level == "high" for i in disclosures)
    assert all(i.domain == "disclosure" for i in disclosures)


def test_lookup_by_id_and_membership():
    catalogue = load()
    assert catalogue["sexual_activity"].domain == "sexual_health"
    assert catalogue.get("sexual_activity") is catalogue["sexual_activity"]
    assert catalogue.get("no_such_sign") is None
    assert "sexual_activity" in catalogue
    with pytest.raises(KeyError, match="no_such_sign"):
        catalogue["no_such_sign"]


def test_labels_for_domains_agencies_and_sources():
    catalogue = load()
    assert catalogue.agency("social_care").label == "Children's social care"
    assert catalogue.source("seraf").publisher == "Barnardo's"
    assert catalogue.domain("online").label == "Technology and online"
    for lookup in (catalogue.agency, catalogue.source, catalogue.domain):
        with pytest.raises(KeyError):
            lookup("nowhere")


def test_sexual_activity_set_and_next_steps_for_every_grade():
    catalogue = load()
    assert "sexual_activity" in catalogue.sexual_activity_indicators
    assert set(catalogue.next_steps) == {grade.value for grade in Grade}


def test_narrow_lists_are_widened():
    """Online abuse, disabled and LGBT children, and minority-ethnic barriers are covered."""
    catalogue = load()
    assert len(catalogue.select(domain="online")) >= 8
    for iid in (
        "learning_disability",
        "physical_disability",
        "sexuality_unsupported",
        "forced_marriage_honour",
        "images_used_to_coerce",
        "drug_running",
    ):
        assert iid in catalogue
    assert any("Boys" in i.description for i in catalogue.indicators)


def test_select_filters_by_every_field():
    catalogue = load()
    picked = catalogue.select(
        domain="missing_absence", level="high", kind="indicator", agency="police"
    )
    assert picked
    assert all(
        i.domain == "missing_absence" and i.level == "high" and "police" in i.agencies
        for i in picked
    )


def test_unconfirmed_indicators_are_marked():
    catalogue = load()
    unconfirmed = [i for i in catalogue.indicators if not i.confirmed]
    assert unconfirmed, "some indicators rest on unchecked sources and must say so"
    assert catalogue["staying_out_late"].confirmed
    assert not catalogue["repeat_sti"].confirmed


def _broken(raw, index, **changes):
    data = copy.deepcopy(raw)
    entry = data["indicators"][index]
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return data


def test_duplicate_id_is_refused_naming_entry_and_field(raw):
    data = copy.deepcopy(raw)
    data["indicators"][1]["id"] = data["indicators"][0]["id"]
    with pytest.raises(ValueError, match=r"indicator 2 \(sexual_activity\): field 'id': duplicate"):
        parse(data, origin="cat.yaml")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("domain", "hobbies", r"field 'domain': unknown domain 'hobbies'"),
        ("level", "severe", r"field 'level': 'severe' is not one of low, medium, high"),
        ("kind", "rumour", r"field 'kind': 'rumour' is not one of"),
        ("agencies", ["police", "fire"], r"field 'agencies': unknown agency 'fire'"),
        ("sources", ["seraf", "blog"], r"field 'sources': unknown source 'blog'"),
        ("sources", [], r"missing field 'sources'"),
        ("confirmed_in", ["york"], r"field 'confirmed_in': 'york' is not among its sources"),
        ("id", "Bad Id", r"field 'id': 'Bad Id' must be a lower-case snake_case name"),
        ("colour", "red", r"unknown field 'colour'"),
    ],
)
def test_bad_field_is_refused_naming_file_entry_and_field(raw, field, value, message):
    data = _broken(raw, 0, **{field: value})
    with pytest.raises(ValueError, match=r"^cat\.yaml: indicator 1.*" + message):
        parse(data, origin="cat.yaml")


@pytest.mark.parametrize("field", ["label", "description", "domain", "level", "kind", "agencies"])
def test_missing_field_is_refused(raw, field):
    data = _broken(raw, 2, **{field: None})
    with pytest.raises(ValueError, match=rf"indicator 3 \(repeat_sti\): missing field '{field}'"):
        parse(data, origin="cat.yaml")


def test_low_level_disclosure_is_refused(raw):
    index = next(n for n, e in enumerate(raw["indicators"]) if e["kind"] == "disclosure")
    data = _broken(raw, index, level="low")
    with pytest.raises(ValueError, match="a disclosure must be level 'high'"):
        parse(data)


def test_missing_version_and_unknown_sexual_activity_id_are_refused(raw):
    data = copy.deepcopy(raw)
    del data["version"]
    with pytest.raises(ValueError, match="top level: missing field 'version'"):
        parse(data)
    data = copy.deepcopy(raw)
    data["sexual_activity_indicators"].append("kissing")
    with pytest.raises(
        ValueError, match="sexual_activity_indicators: unknown indicator id 'kissing'"
    ):
        parse(data)


def test_missing_next_step_and_duplicate_domain_are_refused(raw):
    data = copy.deepcopy(raw)
    del data["next_steps"]["medium"]
    with pytest.raises(ValueError, match="next_steps: missing text for grade 'medium'"):
        parse(data)
    data = copy.deepcopy(raw)
    data["domains"].append(dict(data["domains"][0]))
    with pytest.raises(ValueError, match="domains entry 12: field 'id': duplicate"):
        parse(data)


def test_load_from_a_file_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml: not valid YAML"):
        load(path)
    with pytest.raises(ValueError, match=r"absent\.yaml: cannot read catalogue"):
        load(tmp_path / "absent.yaml")


def test_load_from_a_copied_file_matches_default(tmp_path):
    path = tmp_path / "copy.yaml"
    path.write_text(DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert load(path).indicators == load().indicators


def test_rules_are_read_from_the_catalogue():
    rules = load().rules
    assert dict(rules.points) == {"low": 1, "medium": 2, "high": 3}
    assert (rules.full_months, rules.reduced_months, rules.reduced_weight) == (6, 12, 0.5)
    assert (rules.raise_agencies, rules.medium_agencies) == (2, 3)
    assert 0 < rules.bands["low"] <= rules.bands["medium"] <= rules.bands["high"]


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("bands", "medium", 0.5, "bands must be positive and rise"),
        ("points", "high", "three", r"rules\.points: field 'high': expected a non-negative number"),
        ("recency", "reduced_weight", 2, "field 'reduced_weight': must be between 0 and 1"),
        ("recency", "reduced_months", 3, "field 'reduced_months': must not be shorter"),
    ],
)
def test_bad_rules_are_refused(raw, section, key, value, message):
    data = copy.deepcopy(raw)
    data["rules"][section][key] = value
    with pytest.raises(ValueError, match=message):
        parse(data)
