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
