"""GOV.UK fit: open information pages, a styled CSRF failure, errors in field order, and
'speak to your DSL today' where a low grade hides a sign of high concern."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from jigsaw.web.concerns.selectors import catalogue
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/about/accessibility/", "Accessibility statement for Jigsaw"),
        ("/about/privacy/", "Privacy notice"),
        ("/about/cookies/", "Cookies"),
    ],
)
def test_information_pages_are_open_to_everyone(client, path, heading):
    page = client.get(path)
    assert page.status_code == 200
    assert f'<h1 class="govuk-heading-l">{heading}' in page.content.decode()


def test_every_page_has_the_phase_banner_marking_and_footer_links(client, cast):
    text = verified_client(client, cast, "teacher").get("/children/").content.decode()
    assert "govuk-phase-banner" in text and "OFFICIAL-SENSITIVE" in text
    assert all(
        link in text for link in ("/about/accessibility/", "/about/privacy/", "/about/cookies/")
    )


def test_a_csrf_failure_is_explained_in_the_services_own_page(cast):
    strict = Client(enforce_csrf_checks=True)
    verified_client(strict, cast, "teacher")
    response = strict.post("/concerns/new/", {"first_name": "Jess"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your form could not be sent" in text and "Nothing was saved" in text
    assert 'class="govuk-template"' in text


def test_the_error_summary_follows_the_fields_order(client, cast):
    body = html.unescape(
        verified_client(client, cast, "teacher")
        .post("/concerns/new/", {"action": "save"})
        .content.decode()
    )
    summary = body.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    targets = re.findall(r'href="#([a-z_]+)"', summary)
    page_order = ["first_name", "dob_day", "sex", "seen_day", "indicators", "note", "lawful_basis"]
    assert [t for t in targets if t in page_order] == page_order


def test_a_low_grade_with_a_high_concern_sign_says_speak_to_your_dsl_today(client, cast):
    teacher = verified_client(client, cast, "teacher")
    high = [i for i in catalogue().indicators if i.level == "high" and "education" in i.agencies]
    said = []
    for n, sign in enumerate(high):
        outcome = record_concern(
            cast.teacher,
            {**JESSICA, "first_name": f"Child{n}", "last_name": f"Test{n}x"},
            [sign.id],
            "seen",
        )
        text = teacher.get(f"/concerns/{ref(outcome.concern.pk)}/").content.decode()
        warned = 'data-testid="speak-to-dsl"' in text and "Speak to your DSL today" in text
        # Said exactly when the grade is below medium.
        assert warned == (outcome.concern.grade_level in ("none", "low")), (
            sign.id,
            outcome.concern.grade_level,
        )
        said.append(warned)
    assert high, "the catalogue has high-level signs a school records"
