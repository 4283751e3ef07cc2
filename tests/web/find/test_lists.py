"""Every list says how many there are and pages through them all: none stops silently."""

from __future__ import annotations

import re

import pytest

from jigsaw.web.accounts.models import Agency, Role
from jigsaw.web.accounts.services import user_create
from jigsaw.web.children.models import Child
from jigsaw.web.refs import ref
from tests.web.cast import JESSICA, PASSWORD, SCHOOL_SIGNS, record_concern, verified_client

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def background_analyst(cast):
    """A MASH analyst of the background partnership (its 400 synthetic children)."""
    agency = Agency.objects.exclude(area__in=[cast.area, cast.other_area]).order_by("id").first()
    user, device = user_create(
        username="bg_analyst",
        password=PASSWORD,
        role=Role.MASH_ANALYST,
        agency=agency,
        validate=False,
        with_totp=True,
    )
    cast.bg_analyst = user
    cast.devices["bg_analyst"] = device
    return user, agency.area


def showing(text: str) -> tuple[int, int, int]:
    found = re.search(r"Showing (\d+) to (\d+) of (\d+)", text)
    assert found, "no count shown"
    return tuple(int(n) for n in found.groups())


def test_the_children_list_counts_and_pages_every_child(client, cast, background_analyst):
    _, area = background_analyst
    total = Child.objects.filter(area=area).count()
    assert total > 300
    analyst = verified_client(client, cast, "bg_analyst")
    first = analyst.get("/children/").content.decode()
    assert showing(first) == (1, 50, total)
    last_page = (total + 49) // 50
    last = analyst.get(f"/children/?page={last_page}").content.decode()
    assert showing(last) == ((last_page - 1) * 50 + 1, total, total)
    seen = set()
    for page in range(1, last_page + 1):
        seen |= set(
            map(
                int,
                re.findall(
                    r'href="/children/(\d+)-[0-9a-f]+/\?from=list"',
                    analyst.get(f"/children/?page={page}").content.decode(),
                ),
            )
        )
    assert len(seen) == total
    # Rows are named, not numbered.
    assert not re.search(r'from=list">Child \d+<', first)


def test_filters_and_sorts_keep_their_place_across_pages(client, cast, background_analyst):
    _, area = background_analyst
    high = Child.objects.filter(area=area, grade_level="low").count()
    analyst = verified_client(client, cast, "bg_analyst")
    text = analyst.get("/children/?grade=low&sort=oldest").content.decode()
    assert showing(text)[2] == high
    if high > 50:
        assert "grade=low&amp;sort=oldest&amp;page=2" in text


def test_the_mash_queue_pages_both_lists_with_names(client, cast, background_analyst):
    _, area = background_analyst
    graded = Child.objects.filter(area=area, grade_level__in=["medium", "high"]).count()
    text = verified_client(client, cast, "bg_analyst").get("/children/mash/").content.decode()
    counts = re.findall(r"Showing (\d+) to (\d+) of (\d+) children", text)
    assert counts and int(counts[0][2]) == graded
    assert not re.search(r'from=mash">Child \d+<', text)


def test_a_practitioner_sees_their_child_by_name(client, cast):
    jess = record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note")
    text = verified_client(client, cast, "teacher").get("/children/").content.decode()
    assert showing(text) == (1, 1, 1)
    assert f'href="/children/{ref(jess.child.pk)}/?from=list">Jessica Okafor</a>' in text
    profile = client.get(f"/children/{ref(jess.child.pk)}/").content.decode()
    assert '<h1 class="govuk-heading-l">Jessica Okafor</h1>' in profile


def test_the_audit_log_counts_pages_and_filters(client, cast):
    from jigsaw.web.audit.models import AuditEvent
    from jigsaw.web.children.search import SearchTerms, children_search

    record_concern(cast.teacher, JESSICA, SCHOOL_SIGNS, "note")
    for _ in range(120):
        children_search(user=cast.teacher, terms=SearchTerms(name="Jess"))
    auditor = verified_client(client, cast, "auditor")
    text = auditor.get("/audit/").content.decode()
    # The reading itself is the newest event, and counted; the auditor reads their area's only.
    total = AuditEvent.objects.filter(area=cast.area).count()
    assert total > 100 and showing(text) == (1, 100, total)
    assert showing(auditor.get("/audit/?page=2").content.decode()) == (
        101,
        min(200, total + 1),
        total + 1,
    )
    graded = AuditEvent.objects.filter(event_type="child_graded", area=cast.area).count()
    filtered = auditor.get("/audit/?event_type=child_graded").content.decode()
    assert showing(filtered)[2] == graded
    teacher = auditor.get("/audit/?actor=teacher").content.decode()
    assert showing(teacher)[2] == AuditEvent.objects.filter(actor_label="teacher").count()


def test_most_recently_graded_puts_the_never_graded_last(client, cast, background_analyst):
    _, area = background_analyst
    graded = Child.objects.filter(area=area, graded_at__isnull=False).count()
    assert graded > 0, "the background has graded children"
    text = verified_client(client, cast, "bg_analyst").get("/children/").content.decode()
    rows = text.split('data-testid="children"')[1].split("</table>")[0].split("<tr")[2:]
    dated = [bool(re.search(r"\d+ \w{3} \d{4}</td><td[^>]*>Child", row)) for row in rows]
    assert dated == [True] * min(graded, 50) + [False] * (50 - min(graded, 50))
