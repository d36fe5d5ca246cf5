from django.contrib import admin

from accounts.admin_base import ProjectModelAdmin, ProjectTabularInline

from .models import Exclusion, MatchingSettings, MatchRound, MentorChoice, Proposal


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(ProjectModelAdmin):
    list_display = ["scheme", "mentee_choice_enabled", "choice_response_days"]
    list_select_related = ["scheme"]


@admin.register(Exclusion)
class ExclusionAdmin(ProjectModelAdmin):
    list_display = ["mentee_enrolment", "excluded_user", "reason", "created_at"]
    list_filter = ["reason"]
    raw_id_fields = ["mentee_enrolment", "excluded_user"]
    search_fields = ["mentee_enrolment__user__email", "excluded_user__email"]


class ProposalInline(ProjectTabularInline):
    model = Proposal
    fields = ["mentee_enrolment", "mentor_enrolment", "score", "is_pinned", "unmatched_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MatchRound)
class MatchRoundAdmin(ProjectModelAdmin):
    """Read-only: rounds are run and approved from the organisers' matching page, so that
    approval always goes through the service that creates pairs and sends introductions."""

    list_display = ["pk", "scheme", "status", "created_at", "approved_at", "started_by"]
    list_filter = ["status", "scheme"]
    readonly_fields = [field.name for field in MatchRound._meta.fields]
    inlines = [ProposalInline]

    def has_add_permission(self, request):
        return False


@admin.register(MentorChoice)
class MentorChoiceAdmin(ProjectModelAdmin):
    list_display = ["mentee_enrolment", "mentor_enrolment", "rank", "status", "offered_at"]
    list_filter = ["status"]
    raw_id_fields = ["mentee_enrolment", "mentor_enrolment"]
    search_fields = ["mentee_enrolment__user__email", "mentor_enrolment__user__email"]
