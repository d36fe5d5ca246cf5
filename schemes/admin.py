from django.contrib import admin

from accounts.admin_base import ProjectModelAdmin, ProjectTabularInline

from .models import (
    CohortImport,
    Enrolment,
    IntakeWindow,
    Organisation,
    OrganisationRole,
    Region,
    RegionRole,
    Scheme,
    SchemeRole,
)


class OrganisationInline(ProjectTabularInline):
    model = Organisation
    fields = ("name", "short_name", "slug")
    extra = 0


@admin.register(Region)
class RegionAdmin(ProjectModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OrganisationInline]


class OrganisationRoleInline(ProjectTabularInline):
    model = OrganisationRole
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(ProjectModelAdmin):
    list_display = ("name", "short_name", "region")
    list_filter = ("region",)
    search_fields = ("name", "short_name")
    prepopulated_fields = {"slug": ("short_name",)}
    inlines = [OrganisationRoleInline]


class IntakeWindowInline(ProjectTabularInline):
    model = IntakeWindow
    extra = 0


class SchemeRoleInline(ProjectTabularInline):
    model = SchemeRole
    fk_name = "scheme"
    autocomplete_fields = ("user",)
    exclude = ("appointed_by",)
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ProjectModelAdmin):
    list_display = ("name", "organisation", "enrolment_model", "run_by", "is_open")
    list_filter = ("organisation__region", "enrolment_model", "run_by", "is_open")
    search_fields = ("name", "organisation__name")
    inlines = [IntakeWindowInline, SchemeRoleInline]


@admin.register(Enrolment)
class EnrolmentAdmin(ProjectModelAdmin):
    # Organiser-level metadata only: the trainee's own answers and withdrawal reason are
    # Enrolment.confidential_fields, which the base leaves out.
    list_display = ("user", "scheme", "role", "status", "source", "created_at")
    list_filter = ("role", "status", "source", "scheme__organisation")
    search_fields = ("user__email", "user__last_name", "scheme__name")
    raw_id_fields = ("user", "scheme")


@admin.register(RegionRole)
class RegionRoleAdmin(ProjectModelAdmin):
    list_display = ("user", "region", "role")
    autocomplete_fields = ("user",)


@admin.register(CohortImport)
class CohortImportAdmin(ProjectModelAdmin):
    list_display = ("file_name", "scheme", "created_at", "confirmed_at", "enrolled_count")
    # The file's rows and problems are CohortImport.confidential_fields: left out by the base.
    readonly_fields = [
        field.name
        for field in CohortImport._meta.fields
        if field.name not in CohortImport.confidential_fields
    ]


# Referral reasons are deliberately not in the admin: they are read in the app, where access is
# checked (organisers of the scheme and the trainee only).
