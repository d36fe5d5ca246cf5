"""Site admin: templates and schedules to look at; invitations without their tokens.

Responses and answers are not in the admin: results are read through the results pages, under
the small-numbers rule, like everyone else's.
"""

from django.contrib import admin

from accounts.admin_base import ProjectModelAdmin, ProjectTabularInline

from .models import Invitation, Question, SchemeSurveySchedule, SurveyTemplate


class QuestionInline(ProjectTabularInline):
    model = Question
    extra = 0
    fields = ["position", "code", "text", "kind", "domain", "is_repeated", "required"]

    def has_change_permission(self, request, obj=None):
        # A template that has been sent is never edited in place (adapt it instead).
        return obj is None or not obj.invitations.exists()

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ProjectModelAdmin):
    list_display = ["name", "key", "version", "scheme", "audience", "anonymous"]
    list_filter = ["audience", "anonymous"]
    inlines = [QuestionInline]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.invitations.exists()


@admin.register(SchemeSurveySchedule)
class SchemeSurveyScheduleAdmin(ProjectModelAdmin):
    list_display = ["scheme", "audience", "moment", "template", "every_months", "is_active"]
    list_filter = ["moment", "audience", "is_active"]


@admin.register(Invitation)
class InvitationAdmin(ProjectModelAdmin):
    list_display = ["key", "template", "sent_at", "reminded_at", "responded_at", "anonymous"]
    list_filter = ["moment", "anonymous"]
    fields = [
        "key", "scheme", "template", "user", "pair", "moment", "period", "anonymous",
        "created_at", "sent_at", "reminded_at", "closes_at", "responded_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
