"""The DME refers from their "Run schemes" page where a scheme takes referrals; where it takes
none there is no link, and the form's address says so before a reason can be typed."""

import pytest
from django.urls import reverse

from schemes.models import Referral

from .conftest import PHONE, assert_accessible_basics, assert_fits_phone_width, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dme_reaches_the_form_only_where_the_scheme_takes_referrals(
    new_page, live_server, scheme, dme
):
    page = new_page()
    log_in(page, dme.email)
    page.goto(reverse("schemes:manage"))
    assert page.get_by_role("link", name=f"Refer a trainee to {scheme.name}").count() == 0

    page.goto(reverse("schemes:referral-create", args=[scheme.slug]))
    page.get_by_role("heading", name=f"{scheme.name} takes no referrals").wait_for()
    assert page.get_by_label("Reason").count() == 0
    assert_accessible_basics(page)
    screenshot(page, "referral-refused")
    page.set_viewport_size(PHONE)
    assert_fits_phone_width(page)
    screenshot(page, "referral-refused")
    page.set_viewport_size({"width": 1280, "height": 900})

    scheme.accepts_referrals = True
    scheme.save(update_fields=["accepts_referrals"])
    page.goto(reverse("schemes:manage"))
    page.get_by_role("link", name=f"Refer a trainee to {scheme.name}").click()
    page.get_by_role("heading", name=f"Refer a trainee to {scheme.name}").wait_for()
    assert not Referral.objects.exists()
