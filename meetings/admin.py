"""Site admin for pairs' meetings: metadata only.

Site administrators run the service; they are not part of any pair, so summaries, private notes,
goals, topics and agreement texts are not shown here at all (DESIGN.md: content is the pair's).
Private notes are not registered.
"""

from django.contrib import admin

from accounts.admin_base import ProjectModelAdmin

from .models import Meeting, MentoringAgreement, Nudge, PlannedMeeting


class MetadataOnlyAdmin(ProjectModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "pair", "held_on", "duration_minutes", "mode", "confirmed_by_other_at"]
    list_filter = ["mode", "pair__scheme"]
    fields = [
        "pair",
        "held_on",
        "duration_minutes",
        "mode",
        "logged_by",
        "logged_at",
        "confirmed_by_other_at",
    ]


@admin.register(MentoringAgreement)
class MentoringAgreementAdmin(MetadataOnlyAdmin):
    list_display = ["pair", "updated_at", "mentee_confirmed_at", "mentor_confirmed_at"]
    fields = ["pair", "updated_at", "updated_by", "mentee_confirmed_at", "mentor_confirmed_at"]


@admin.register(PlannedMeeting)
class PlannedMeetingAdmin(MetadataOnlyAdmin):
    list_display = ["pk", "pair", "starts_at", "sequence", "cancelled_at"]
    list_filter = ["pair__scheme"]
    fields = [
        "pair",
        "starts_at",
        "duration_minutes",
        "mode",
        "uid",
        "sequence",
        "planned_by",
        "updated_at",
        "cancelled_at",
    ]
    readonly_fields = ["uid"]


@admin.register(Nudge)
class NudgeAdmin(MetadataOnlyAdmin):
    list_display = ["pair", "number", "anchor_on", "created_at", "answered_at"]
    list_filter = ["number"]
