"""Record ids in URLs are references with a MAC: a guessed or edited one finds nothing."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import resolve, reverse

from jigsaw.web.refs import MAC_LENGTH, pk_of, ref
from tests.web.cast import JESSICA, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


def _tampered(reference: str) -> str:
    """The reference with the last digit of its MAC changed (still well formed)."""
    last = reference[-1]
    return reference[:-1] + ("0" if last != "0" else "1")


def _unmasked(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_reference_names_its_id_and_nothing_else_passes():
    reference = ref(76)
    number, mac = reference.split("-")
    assert number == "76" and len(mac) == MAC_LENGTH
    assert pk_of(reference) == 76
    for bad in ("76", "76-", f"77-{mac}", _tampered(reference), reference.upper(), f" {reference}"):
        with pytest.raises(ValueError, match="not a record reference"):
            pk_of(bad)
    # The key is derived from SECRET_KEY: another installation's references mean nothing here.
    with override_settings(SECRET_KEY="another-installation-" + "y" * 40):
        assert ref(76) != reference
        with pytest.raises(ValueError):
            pk_of(reference)


def test_reverse_takes_ids_and_views_receive_ids():
    url = reverse("children:profile", args=[5])
    assert url == f"/children/{ref(5)}/"
    assert resolve(url).kwargs == {"child_id": 5}


def test_a_guessed_child_url_is_not_found_while_the_real_reference_opens_it(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen with older men")
    child = outcome.child.pk
    teacher = verified_client(client, cast, "teacher")
    real = teacher.get(reverse("children:profile", args=[child]))
    assert real.status_code == 200 and "Jessica" in real.content.decode()
    # The bare number, the number with a forged MAC and the number with another record's MAC.
    guessed = teacher.get(f"/children/{child}/")
    forged = teacher.get(f"/children/{child}-{'0' * MAC_LENGTH}/")
    borrowed = teacher.get(f"/children/{child}-{ref(child + 1).split('-')[1]}/")
    tampered = teacher.get(f"/children/{_tampered(ref(child))}/")
    absent = teacher.get(f"/children/{ref(child + 1000)}/")
    for response in (guessed, forged, borrowed, tampered, absent):
        assert response.status_code == 404
        assert "Jessica" not in response.content.decode()
    # A bad reference reads exactly as a record that does not exist (but for the sign-out
    # form's CSRF token, which is masked afresh on every page).
    assert _unmasked(tampered) == _unmasked(absent)


def test_a_tampered_reference_is_not_found_on_every_kind_of_record(client, cast):
    outcome = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "seen with older men")
    teacher = verified_client(client, cast, "teacher")
    url = reverse("concerns:saved", args=[outcome.concern.pk])
    assert teacher.get(url).status_code == 200
    assert teacher.get(f"/concerns/{_tampered(ref(outcome.concern.pk))}/").status_code == 404
    assert teacher.get(f"/concerns/{outcome.concern.pk}/").status_code == 404
