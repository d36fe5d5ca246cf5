import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UnconfirmedUserFactory


@pytest.mark.django_db
def test_password_reset_by_email_sets_a_new_password_and_confirms_the_address(client):
    user = UnconfirmedUserFactory(email="forgetful@example.nhs.uk")

    client.post(reverse("accounts:password-reset"), {"email": "Forgetful@example.nhs.uk"})

    assert len(mail.outbox) == 1
    assert "Reset your Peer Mentoring password" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new_password = "copper-kettle-river-58"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert user.email_confirmed_at is not None


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        reverse("accounts:password-reset"), {"email": "nobody@example.nhs.uk"}, follow=True
    )
    assert mail.outbox == []
    assert "If an account uses that address" in response.content.decode()


@pytest.mark.django_db
def test_an_imported_trainee_without_a_password_can_still_ask_for_a_reset_link(client):
    user = UnconfirmedUserFactory(email="imported@example.nhs.uk")
    user.set_unusable_password()
    user.save()

    client.post(reverse("accounts:password-reset"), {"email": "imported@example.nhs.uk"})

    assert [message.to for message in mail.outbox] == [["imported@example.nhs.uk"]]
