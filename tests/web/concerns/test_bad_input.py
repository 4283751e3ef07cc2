"""Input no form field can hold: NUL bytes are refused with a 400 (never a 500 from
PostgreSQL), and every text field of every form has a length limit (a 1 MB name is refused
at once, not handed to the linkage engine)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import time

import pytest
from django import forms

import jigsaw.web
from tests.web.cast import verified_client
from tests.web.concerns.test_intake_page import _form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("auditor", "/audit/?event_type=child_viewed%00"),
        ("auditor", "/audit/?q=%00"),
        ("teacher", "/concerns/new/?x=%00"),
        ("analyst", "/children/mash/?from=mash%00"),
        ("admin", "/accounts/users/?%00=1"),
    ],
)
def test_a_nul_byte_in_a_query_string_is_a_bad_request(client, cast, name, path):
    response = verified_client(client, cast, name).get(path)
    assert response.status_code == 400


def test_a_nul_byte_in_a_form_field_is_a_bad_request_and_saves_nothing(client, cast):
    from jigsaw.web.concerns.models import Concern

    teacher = verified_client(client, cast, "teacher")
    assert teacher.post("/concerns/new/", _form(first_name="Jess\x00ica")).status_code == 400
    assert teacher.post("/concerns/new/", _form(action="find", postcode="\x00")).status_code == 400
    assert not Concern.objects.filter(recorded_by=cast.teacher).exists()
    # Before signing in, too (the sign-in form looks the username up).
    client.logout()
    response = client.post("/accounts/sign-in/", {"username": "teach\x00er", "password": "x"})
    assert response.status_code == 400


def test_a_megabyte_name_is_refused_at_once(client, cast):
    teacher = verified_client(client, cast, "teacher")
    started = time.monotonic()
    huge = "A" * 1_000_000
    for action in ("find", "save"):
        response = teacher.post("/concerns/new/", _form(first_name=huge, action=action))
        assert response.status_code == 200
        assert "Ensure this value has at most 80 characters" in response.content.decode()
    assert time.monotonic() - started < 10


def _web_forms() -> list[type[forms.Form]]:
    found = []
    for module in pkgutil.walk_packages(jigsaw.web.__path__, "jigsaw.web."):
        if ".migrations" in module.name or module.name.endswith(("wsgi", "asgi")):
            continue
        loaded = importlib.import_module(module.name)
        for _, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == loaded.__name__:
                found.append(value)
    return found


def test_every_text_field_of_every_form_has_a_length_limit():
    from jigsaw.web.accounts.forms import SignInForm
    from jigsaw.web.concerns.forms import ConcernForm

    classes = _web_forms()
    assert SignInForm in classes and ConcernForm in classes
    unbounded = []
    for form_class in classes:
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.CharField) and not field.max_length:
                unbounded.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert unbounded == []
