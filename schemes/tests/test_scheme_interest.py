"""A trust without a scheme records whether it would like one: its DME or the regional lead."""

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from schemes.models import Organisation

pytestmark = pytest.mark.django_db


def record(client, organisation, **data):
    return client.post(
        reverse("schemes:scheme-interest", args=[organisation.slug]), data, follow=True
    )


def stored(organisation):
    return Organisation.objects.values_list(
        "scheme_interest", "scheme_interest_note", "scheme_interest_recorded_on"
    ).get(pk=organisation.pk)


@pytest.mark.parametrize("member", ["dme", "regional_lead"])
def test_the_dme_or_regional_lead_records_a_trusts_interest_with_the_date(
    client, request, organisation, member
):
    client.force_login(request.getfixturevalue(member))

    with mock.patch("schemes.services.timezone.localdate", return_value=date(2026, 12, 5)):
        response = record(
            client,
            organisation,
            scheme_interest="interested",
            scheme_interest_note="  Looking for a consultant lead ",
        )

    assert stored(organisation) == (
        "interested",
        "Looking for a consultant lead",
        date(2026, 12, 5),
    )
    assert "interest recorded" in response.text
    assert "Last recorded on 5 December 2026: interested." in response.text
    assert AuditEvent.objects.filter(action="scheme_interest_recorded").count() == 1


def test_saving_the_same_answer_again_keeps_the_date_it_was_recorded(client, dme, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(
        scheme_interest="setting_up", scheme_interest_recorded_on=date(2026, 1, 10)
    )
    client.force_login(dme)

    response = record(client, organisation, scheme_interest="setting_up", scheme_interest_note="")

    assert stored(organisation) == ("setting_up", "", date(2026, 1, 10))
    assert "Nothing changed." in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scheme_interest": "maybe"}, "Select a valid choice"),
        ({"scheme_interest": ""}, "This field is required"),
        (
            {"scheme_interest": "interested", "scheme_interest_note": "x" * 301},
            "at most 300 characters",
        ),
    ],
)
def test_bad_input_says_why_and_saves_nothing(client, dme, organisation, data, message):
    client.force_login(dme)

    response = record(client, organisation, **data)

    assert message in response.text
    assert stored(organisation) == ("not_asked", "", None)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("other_dme", 404),
        ("organiser", 403),
        ("other_organiser", 403),
        ("mentee", 403),
        ("mentor", 403),
    ],
)
def test_nobody_else_records_a_trusts_interest(client, request, organisation, member, expected):
    client.force_login(request.getfixturevalue(member))
    url = reverse("schemes:scheme-interest", args=[organisation.slug])

    assert client.get(url).status_code == expected
    assert client.post(url, {"scheme_interest": "interested"}).status_code == expected
    assert stored(organisation) == ("not_asked", "", None)


def test_an_anonymous_visitor_is_sent_to_sign_in(client, organisation):
    response = client.get(reverse("schemes:scheme-interest", args=[organisation.slug]))

    assert response.status_code == 302 and "/login" in response["Location"]
