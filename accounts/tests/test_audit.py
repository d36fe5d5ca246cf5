import pytest
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent


@pytest.mark.django_db
def test_an_audit_event_records_who_what_and_from_where(rf, organiser):
    request = rf.get("/", REMOTE_ADDR="10.9.8.7")
    event = audit_record(
        actor=organiser, action="export", target="scheme:1", details={"rows": 3}, request=request
    )
    assert event.actor_email == organiser.email
    assert event.ip_address == "10.9.8.7"
    assert event.details == {"rows": 3}


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted_in_any_way(organiser):
    event = audit_record(actor=organiser, action="export")
    event.action = "nothing happened"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "export"


@pytest.mark.django_db
def test_admins_read_the_audit_log_but_cannot_edit_it(client, superuser, organiser):
    event = audit_record(actor=organiser, action="export")
    client.force_login(superuser)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    change_url = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert client.get(change_url).status_code == 200  # view-only page
    response = client.post(change_url, {"action": "edited"})
    assert response.status_code == 403
    assert (
        client.post(
            reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.get().action == "export"


@pytest.mark.django_db
def test_failed_and_locked_out_logins_are_audited_without_the_password(client, mentee):
    for _ in range(6):
        client.post(
            reverse("accounts:login"), {"username": mentee.email, "password": "guess-123456"}
        )
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("login_failed") >= 5
    assert "login_locked_out" in actions
    assert not AuditEvent.objects.filter(details__icontains="guess-123456").exists()
    assert not AuditEvent.objects.filter(target__icontains="guess-123456").exists()


@pytest.mark.django_db
def test_role_changes_are_audited(client, organiser, scheme, organisation):
    from schemes.tests.factories import MemberFactory

    colleague = MemberFactory(organisation=organisation)
    client.force_login(organiser)
    client.post(
        reverse("schemes:people", args=[scheme.slug]),
        {"email": colleague.email, "role": "organiser"},
    )
    event = AuditEvent.objects.get(action="role_granted")
    assert event.actor == organiser and event.details == {"user": colleague.pk, "role": "organiser"}


@pytest.mark.django_db
def test_an_organiser_reading_a_referral_reason_is_audited_but_the_reason_is_not_copied(
    client, organiser, scheme, organisation
):
    from schemes.services import referral_create
    from schemes.tests.factories import MemberFactory

    scheme.accepts_referrals = True
    scheme.save()
    trainee = MemberFactory(organisation=organisation)
    referral = referral_create(
        scheme=scheme, user=trainee, reason="Sensitive reason", referred_by=organiser
    )
    client.force_login(organiser)
    client.get(reverse("schemes:referral-detail", args=[referral.pk]))
    event = AuditEvent.objects.get(action="referral_reason_viewed")
    assert event.target == f"referral:{referral.pk}"
    assert "Sensitive" not in str(event.details) + event.target


@pytest.mark.django_db
def test_an_organiser_viewing_a_pair_page_is_audited(client, organiser, pair):
    client.force_login(organiser)
    assert client.get(reverse("meetings:pair-overview", args=[pair.pk])).status_code == 200
    assert AuditEvent.objects.filter(
        action="pair_overview_viewed", target=f"pair:{pair.pk}"
    ).exists()


@pytest.mark.django_db
def test_a_failed_login_for_an_unknown_address_stores_a_keyed_hash_not_the_typed_text(client):
    typed = "someone-typed-this@x"
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": typed, "password": "guess-123456"})

    events = AuditEvent.objects.filter(action="login_failed")
    assert events.count() == 2
    for field in ("target", "actor_email", "details"):
        assert not AuditEvent.objects.filter(**{f"{field}__icontains": "typed-this"}).exists()
    first, second = events.values_list("target", flat=True)
    assert first == second  # the same address counts as the same attempt
    assert first.startswith("unknown address ") and len(first) < 40
    other = "someone-else@x"
    client.post(reverse("accounts:login"), {"username": other, "password": "guess-123456"})
    assert AuditEvent.objects.filter(action="login_failed").latest("pk").target != first


@pytest.mark.django_db
def test_a_failed_login_for_a_real_account_names_the_account(client, mentee):
    client.post(
        reverse("accounts:login"), {"username": mentee.email.upper(), "password": "guess-123456"}
    )
    assert AuditEvent.objects.get(action="login_failed").target == mentee.email
