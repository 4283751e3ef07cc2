"""The world's agencies are the catalogue's: one list of agency kinds across the project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from jigsaw.catalogue import load
from jigsaw.world import AGENCIES, WorldConfig, generate
from jigsaw.world._concerns import _NOTE_OPENINGS, _OTHER_AGENCY_SHARE
from jigsaw.world._records import PREFIX

CATALOGUE_AGENCIES = [agency.id for agency in load().agencies]


def test_the_world_lists_the_catalogues_agencies_in_its_order():
    assert list(AGENCIES) == CATALOGUE_AGENCIES


def test_every_per_agency_parameter_names_exactly_the_catalogues_agencies():
    config = WorldConfig()
    per_agency = {
        f.name: getattr(config, f.name)
        for f in fields(config)
        if isinstance(getattr(config, f.name), Mapping)
        and set(getattr(config, f.name)) & set(CATALOGUE_AGENCIES)
    }
    # The parameters the generator reads per agency (coverage, visibility, skill, ...).
    assert len(per_agency) >= 3, per_agency.keys()
    for name, mapping in per_agency.items():
        assert set(mapping) == set(CATALOGUE_AGENCIES), name
    for name, mapping in [
        ("record prefixes", PREFIX),
        ("note openings", _NOTE_OPENINGS),
        ("other agencies' share", _OTHER_AGENCY_SHARE),
    ]:
        assert set(mapping) == set(CATALOGUE_AGENCIES), name
    assert set(config.day_first_agencies) <= set(CATALOGUE_AGENCIES)


def test_generated_records_and_concerns_use_catalogue_agency_ids_only():
    world = generate(children=600, areas=1, seed=3)
    assert set(world.records["agency"]) <= set(CATALOGUE_AGENCIES)
    assert set(world.concerns["agency"]) <= set(CATALOGUE_AGENCIES)
    # A small world still has records from most agencies: the check is not vacuous.
    assert len(set(world.records["agency"])) >= 5
