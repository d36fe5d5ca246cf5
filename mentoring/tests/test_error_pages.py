"""When a page cannot be shown, the person still gets the site's layout, what happened, and a way
on: never a bare "403 Forbidden" line."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def assert_in_site_layout(body):
    assert 'aria-label="Main"' in body  # the site's header and navigation
    assert 'id="main"' in body
    assert reverse("home") in body


def test_a_denied_trainee_gets_the_reason_and_the_way_back(client, scheme, mentee):
    client.force_login(mentee)
    response = client.get(reverse("schemes:edit", args=[scheme.slug]))

    assert response.status_code == 403
    body = response.content.decode()
    assert_in_site_layout(body)
    assert "<h1" in body and "You cannot open this page" in body
    assert "Only the scheme&#x27;s organisers can do this." in body
    assert "Go to My mentoring" in body


def test_a_missing_page_gets_the_site_layout_and_what_to_try(client, mentee):
    client.force_login(mentee)
    response = client.get("/schemes/no-such-scheme/")

    assert response.status_code == 404
    body = response.content.decode()
    assert_in_site_layout(body)
    assert "Page not found" in body
    assert "link in an email" in body


def test_a_server_error_page_renders_without_a_request_context(rf: RequestFactory):
    # Django renders 500.html with no context at all: the page must still render whole.
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    body = response.content.decode()
    assert_in_site_layout(body)
    assert "Sorry, something went wrong on our side" in body


def test_an_expired_form_says_what_to_do(mentee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mentee)
    response = client.post(reverse("accounts:profile"), {})

    assert response.status_code == 403
    body = response.content.decode()
    assert_in_site_layout(body)
    assert "This form has expired" in body
    assert "reload the page" in body


def test_a_dme_reaches_the_referral_form_from_run_schemes(client, scheme, dme):
    scheme.accepts_referrals = True
    scheme.save(update_fields=["accepts_referrals"])
    client.force_login(dme)

    body = client.get(reverse("schemes:manage")).content.decode()
    referral_url = reverse("schemes:referral-create", args=[scheme.slug])
    assert f'href="{referral_url}"' in body
    assert client.get(referral_url).status_code == 200


def test_run_schemes_offers_no_referral_where_the_scheme_takes_none(client, scheme, dme):
    scheme.accepts_referrals = False
    scheme.save(update_fields=["accepts_referrals"])
    client.force_login(dme)

    body = client.get(reverse("schemes:manage")).content.decode()
    assert reverse("schemes:referral-create", args=[scheme.slug]) not in body
