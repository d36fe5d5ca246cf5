"""The site admin in a browser: the admin's URL is no search oracle, a meeting's page in the admin
shows its metadata and none of its content, and an admin change lands in the audit log."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory

from .conftest import PHONE, assert_accessible_basics, assert_fits_phone_width, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "We talked about the on-call rota and how little I sleep."


def test_the_site_admin_can_neither_search_nor_read_a_meetings_content(
    new_page, live_server, superuser, pair
):
    meeting = MeetingFactory(pair=pair, summary=SUMMARY)
    for viewport, name in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(viewport) if viewport else new_page()
        log_in(page, superuser.email)

        # Typing a content lookup into the admin's address: refused, the same for any text.
        changelist = reverse("admin:meetings_meeting_changelist")
        refused = page.goto(f"{changelist}?summary__contains=rota")
        assert refused.status == 400
        page.get_by_role("heading", name="This request cannot be answered").wait_for()
        assert_accessible_basics(page)
        if viewport:
            assert_fits_phone_width(page)
        screenshot(page, "admin-lookup-refused")
        assert "rota" not in page.content()
        other = page.goto(f"{changelist}?summary__contains=zzzz")
        assert other.status == 400

        # The meeting's page: its date, length and mode; not a word of its summary.
        page.goto(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
        page.get_by_text("Duration in minutes").first.wait_for()
        assert "rota" not in page.content()
        screenshot(page, f"admin-meeting-{name}")

    assert AuditEvent.objects.filter(action="admin.lookup-refused").count() == 4
    assert Meeting.objects.get().summary == SUMMARY


def test_a_change_in_the_admin_is_in_the_audit_log(page, live_server, superuser, scheme):
    log_in(page, superuser.email)
    page.goto(reverse("admin:schemes_scheme_change", args=[scheme.pk]))
    page.get_by_label("Name:").fill("South London peer mentoring")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").wait_for()

    page.goto(reverse("admin:accounts_auditevent_changelist"))
    row = page.get_by_role("row").filter(has_text="admin.change")
    row.wait_for()
    assert f"schemes.Scheme:{scheme.pk}" in row.inner_text()
    screenshot(page, "admin-audit-log")
    event = AuditEvent.objects.get(action="admin.change")
    assert event.details["changes"] == [{"kind": "changed", "fields": ["Name"]}]
