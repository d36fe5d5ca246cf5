import html
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Notification
from accounts.notifications import build_context
from accounts.tests.factories import DEFAULT_PASSWORD


@pytest.fixture(autouse=True)
def two_step_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def log_in(client, user):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD}
    )


def current_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def open_setup_link(client, user):
    """Open the set-up link emailed to a staff member, built as the email builds it."""
    notification = Notification.objects.filter(recipient=user, kind="two_step_setup_link")
    url = build_context(notification.latest("pk"))["setup_url"]
    return client.get(url.removeprefix("http://testserver"))


def set_up_two_step(client, user):
    """Log in and pair an authenticator (a staff member through the emailed link); return the
    device and the backup codes shown."""
    log_in(client, user)
    client.get(reverse("accounts:two-step-setup"))
    if Notification.objects.filter(recipient=user, kind="two_step_setup_link").exists():
        open_setup_link(client, user)
        client.get(reverse("accounts:two-step-setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:two-step-setup"), {"code": current_code(device)})
    codes = re.findall(r'<li class="col">(\w+)</li>', response.content.decode())
    device.refresh_from_db()
    return device, codes


@pytest.mark.django_db
def test_an_organiser_must_set_up_two_step_before_reaching_any_page(client, organiser, scheme):
    log_in(client, organiser)
    response = client.get(reverse("schemes:enrolments", args=[scheme.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-step-setup"))
    page = client.get(response["Location"])
    assert "We have emailed you a link to set up two-step sign-in" in page.content.decode()
    open_setup_link(client, organiser)
    page = client.get(response["Location"])
    assert "Scan this code" in page.content.decode()
    assert "<svg" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("cast_member", ["supervisor", "dme", "regional_lead", "superuser"])
def test_every_staff_role_needs_two_step(client, request, cast_member):
    user = request.getfixturevalue(cast_member)
    log_in(client, user)
    response = client.get(reverse("accounts:my-mentoring"))
    assert response["Location"].startswith(reverse("accounts:two-step-setup"))


@pytest.mark.django_db
def test_a_trainee_is_offered_two_step_but_not_forced(client, mentee):
    log_in(client, mentee)
    assert client.get(reverse("accounts:my-mentoring")).status_code == 200
    assert (
        reverse("accounts:two-step-setup")
        in client.get(reverse("accounts:profile")).content.decode()
    )


@pytest.mark.django_db
def test_pairing_gives_ten_backup_codes_and_then_pages_open(client, organiser, scheme):
    device, codes = set_up_two_step(client, organiser)
    assert device.confirmed
    assert len(codes) == 10
    assert client.get(reverse("schemes:enrolments", args=[scheme.slug])).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_while_pairing_says_what_to_do_and_pairs_nothing(client, organiser):
    log_in(client, organiser)
    client.get(reverse("accounts:two-step-setup"))
    open_setup_link(client, organiser)
    client.get(reverse("accounts:two-step-setup"))
    response = client.post(reverse("accounts:two-step-setup"), {"code": "000000"})
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=organiser).confirmed


@pytest.mark.django_db
def test_next_sign_in_asks_for_a_code_and_a_used_code_cannot_be_replayed(client, organiser, scheme):
    device, _ = set_up_two_step(client, organiser)
    client.post(reverse("accounts:logout"))
    log_in(client, organiser)
    target = reverse("schemes:enrolments", args=[scheme.slug])
    assert client.get(target)["Location"].startswith(reverse("accounts:two-step-verify"))

    # The code used to pair the app is from this time step: it cannot be used again.
    response = client.post(reverse("accounts:two-step-verify"), {"code": current_code(device)})
    assert "did not work" in response.content.decode()
    assert client.get(target).status_code == 302


@pytest.mark.django_db
def test_a_fresh_code_signs_in(client, organiser, scheme):
    device, _ = set_up_two_step(client, organiser)
    client.post(reverse("accounts:logout"))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 2)  # as if 60 s earlier
    log_in(client, organiser)
    response = client.post(
        reverse("accounts:two-step-verify"),
        {"code": current_code(device), "next": reverse("schemes:enrolments", args=[scheme.slug])},
    )
    assert response.status_code == 302
    assert client.get(reverse("schemes:enrolments", args=[scheme.slug])).status_code == 200


@pytest.mark.django_db
def test_a_backup_code_works_once(client, organiser):
    _, codes = set_up_two_step(client, organiser)
    for attempt in range(2):
        client.post(reverse("accounts:logout"))
        log_in(client, organiser)
        response = client.post(reverse("accounts:two-step-verify"), {"code": codes[0]})
        if attempt == 0:
            assert response.status_code == 302
        else:
            assert "did not work" in response.content.decode()
    assert StaticToken.objects.count() == 9


@pytest.mark.django_db
def test_a_half_signed_in_user_cannot_pair_a_new_app_to_skip_the_code(client, organiser):
    set_up_two_step(client, organiser)
    client.post(reverse("accounts:logout"))
    log_in(client, organiser)
    response = client.get(reverse("accounts:two-step-setup"))
    assert response["Location"].startswith(reverse("accounts:two-step-verify"))
    assert TOTPDevice.objects.filter(user=organiser).count() == 1


@pytest.mark.django_db
def test_logging_out_ends_the_users_sessions_on_every_device(client, mentee):
    other_device = client.__class__()
    log_in(other_device, mentee)
    log_in(client, mentee)
    assert other_device.get(reverse("accounts:my-mentoring")).status_code == 200

    client.post(reverse("accounts:logout"))

    assert other_device.get(reverse("accounts:my-mentoring")).status_code == 302
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_deactivating_an_account_ends_its_sessions(client, mentee):
    log_in(client, mentee)
    mentee.is_active = False
    mentee.save()
    assert client.get(reverse("accounts:my-mentoring")).status_code == 302


@pytest.mark.django_db
def test_sessions_end_after_12_hours_however_active(client, mentee):
    log_in(client, mentee)
    session = client.session
    session["signed_in_at"] = (timezone.now() - timedelta(hours=12, minutes=1)).isoformat()
    session.save()
    response = client.get(reverse("accounts:my-mentoring"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


@pytest.mark.django_db
def test_the_second_step_keeps_the_whole_address_asked_for_with_its_filters(client, dme):
    """#13 item 8: a bookmarked, filtered dashboard lands filtered after the code."""
    device = TOTPDevice.objects.create(user=dme, name="authenticator", confirmed=True)
    wanted = "/reports/organisations/slam/?grade=CT1&enrolled_from=2026-01-01"
    login = client.post(
        f"{reverse('accounts:login')}?{urlencode({'next': wanted})}",
        {"username": dme.email, "password": DEFAULT_PASSWORD},
    )
    assert login["Location"] == wanted
    to_code_page = client.get(wanted)
    assert to_code_page["Location"].startswith(reverse("accounts:two-step-verify"))
    code_page = client.get(to_code_page["Location"]).content.decode()
    hidden_next = re.search(r'name="next" value="([^"]*)"', code_page).group(1)

    response = client.post(
        reverse("accounts:two-step-verify"),
        {"code": current_code(device), "next": html.unescape(hidden_next)},
    )

    assert response["Location"] == wanted
    assert client.get(wanted).status_code == 200
