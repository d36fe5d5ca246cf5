from django.contrib import admin

from accounts.admin_base import ProjectModelAdmin

from .models import (
    Certificate,
    MentorFlag,
    RecognitionCriteria,
    SupervisorAssignment,
    TrainingEvent,
    TrainingRecord,
)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ProjectModelAdmin):
    list_display = ["title", "mentor", "scheme", "kind", "status", "completed_on"]
    list_filter = ["status", "kind", "scheme"]
    search_fields = ["title", "mentor__email", "mentor__last_name"]
    # The evidence file is served only through the access-checked view, never the admin
    # (TrainingRecord.confidential_fields).
    raw_id_fields = ["mentor", "reviewed_by", "event"]


@admin.register(TrainingEvent)
class TrainingEventAdmin(ProjectModelAdmin):
    list_display = ["title", "scheme", "starts_at", "capacity", "cancelled_at"]
    list_filter = ["scheme"]


@admin.register(SupervisorAssignment)
class SupervisorAssignmentAdmin(ProjectModelAdmin):
    list_display = ["supervisor", "mentor_enrolment", "scheme"]
    raw_id_fields = ["supervisor", "mentor_enrolment", "assigned_by"]


@admin.register(MentorFlag)
class MentorFlagAdmin(ProjectModelAdmin):
    list_display = ["mentor_enrolment", "scheme", "raised_at", "resolved_at", "resolution"]
    list_filter = ["scheme", "resolution"]
    raw_id_fields = ["mentor_enrolment", "resolved_by"]


@admin.register(RecognitionCriteria)
class RecognitionCriteriaAdmin(ProjectModelAdmin):
    list_display = ["scheme", "min_verified_training", "min_meetings_logged"]


@admin.register(Certificate)
class CertificateAdmin(ProjectModelAdmin):
    list_display = ["code", "holder_name", "scheme", "issued_at", "revoked_at"]
    search_fields = ["code", "holder_name"]
    raw_id_fields = ["enrolment", "revoked_by"]
