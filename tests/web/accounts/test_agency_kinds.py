"""The web's agency kinds are the catalogue's, with the catalogue's labels, and so the world's."""

from __future__ import annotations

from jigsaw.catalogue import load
from jigsaw.web.accounts.forms import AgencyCreateForm
from jigsaw.web.accounts.models import Agency, AgencyKind
from jigsaw.world import AGENCIES


def test_agency_kinds_are_the_catalogues_with_its_labels():
    catalogue = [(agency.id, agency.label) for agency in load().agencies]
    assert AgencyKind.choices == catalogue
    assert Agency._meta.get_field("kind").choices == catalogue
    assert AgencyCreateForm().fields["kind"].choices == catalogue


def test_the_web_and_the_world_agree_on_the_agency_kinds():
    assert list(AgencyKind.values) == list(AGENCIES)
    assert AgencyKind.EDUCATION == "education" and AgencyKind.SOCIAL_CARE.label == (
        "Children's social care"
    )
