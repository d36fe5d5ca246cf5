"""The numbers on "Run schemes" are the scheme's own, whoever reads them (issue #13, item 3)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Grade
from accounts.tests.factories import UserFactory
from schemes.models import Enrolment, SchemeRole
from schemes.selectors import scheme_counts
from schemes.tests.factories import (
    EnrolmentFactory,
    MemberFactory,
    MentorEnrolmentFactory,
    appoint,
    make_dme,
    make_regional_lead,
)


@pytest.fixture
def busy_scheme(scheme, organiser, dme, regional_lead):
    """Six mentees (one paused, one withdrawn, one waiting), three mentors, two organisers, a
    supervisor, two DMEs and two regional leads: every join a visibility rule makes is wide."""
    EnrolmentFactory.create_batch(5, scheme=scheme)
    EnrolmentFactory(scheme=scheme, status=Enrolment.Status.PAUSED)
    EnrolmentFactory(scheme=scheme, status=Enrolment.Status.WITHDRAWN)
    EnrolmentFactory(scheme=scheme, status=Enrolment.Status.REQUESTED)
    MentorEnrolmentFactory.create_batch(3, scheme=scheme)
    MentorEnrolmentFactory(scheme=scheme, status=Enrolment.Status.WITHDRAWN)
    appoint(MemberFactory(organisation=scheme.organisation), scheme)
    appoint(MemberFactory(organisation=scheme.organisation), scheme, SchemeRole.Role.SUPERVISOR)
    make_dme(MemberFactory(organisation=scheme.organisation), scheme.organisation)
    make_regional_lead(UserFactory(grade=Grade.CONSULTANT), scheme.organisation.region)
    return scheme


def _row_numbers(body, scheme):
    """The count cells of the scheme's row on "Run schemes", as shown."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">.*?{re.escape(scheme.name)}.*?</tr>", body, re.S)
    assert row, "the scheme's row is on the page"
    cells = re.findall(r'<td class="text-end">([^<]+)</td>', row.group(0))
    return [int(cell) if cell.isdigit() else cell for cell in cells]


@pytest.mark.django_db
def test_run_schemes_shows_the_organiser_their_schemes_exact_counts(client, busy_scheme, organiser):
    client.force_login(organiser)
    body = client.get(reverse("schemes:manage")).content.decode()
    # 6 mentees enrolled (5 active, 1 paused), 3 active mentors, 1 request waiting.
    assert _row_numbers(body, busy_scheme) == [6, 3, 1]


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["dme", "regional_lead"])
def test_run_schemes_shows_overseers_the_same_counts_through_disclosure(
    client, busy_scheme, reader, request
):
    """The same numbers as the organiser's; the small ones read as every report reads them."""
    client.force_login(request.getfixturevalue(reader))
    body = client.get(reverse("schemes:manage")).content.decode()
    assert _row_numbers(body, busy_scheme) == [6, "fewer than 5", "fewer than 5"]
    assert '<td class="text-end">3</td>' not in body and '<td class="text-end">1</td>' not in body


@pytest.mark.django_db
def test_scheme_counts_ignore_joins_in_the_schemes_given(busy_scheme, dme):
    from schemes.access import schemes_visible_to_staff

    (counted,) = scheme_counts(schemes_visible_to_staff(dme))
    assert (counted.mentee_count, counted.mentor_count, counted.request_count) == (6, 3, 1)


@pytest.mark.django_db
def test_the_dme_is_offered_to_appoint_an_organiser_where_a_scheme_has_none(
    client, scheme, other_scheme, organiser, dme, regional_lead
):
    SchemeRole.objects.filter(scheme=scheme, role=SchemeRole.Role.ORGANISER).delete()
    appoint_url = reverse("schemes:organiser-appoint", args=[scheme.slug])

    client.force_login(dme)
    body = client.get(reverse("schemes:manage")).content.decode()
    assert "No organiser" in body and appoint_url in body

    client.force_login(regional_lead)  # oversees the scheme but does not appoint its organisers
    body = client.get(reverse("schemes:manage")).content.decode()
    assert "No organiser" not in body and appoint_url not in body


@pytest.mark.django_db
def test_a_scheme_with_an_organiser_offers_no_appointment(client, scheme, organiser, dme):
    client.force_login(dme)
    body = client.get(reverse("schemes:manage")).content.decode()
    assert "No organiser" not in body
    assert reverse("schemes:organiser-appoint", args=[scheme.slug]) not in body
