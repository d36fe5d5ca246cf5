"""Site admin for accounts, and for the admin pages other packages register (groups, sign-in
attempts, two-step devices): all of them on the project's base, so that none reads content or
secrets, takes a lookup outside its filters, or changes anything unaudited (admin_base.py)."""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_base import ProjectModelAdmin
from .models import AuditEvent, Notification, ProviderIdentity, User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "first_name", "last_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ProjectModelAdmin, DjangoUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "grade", "specialty", "email_confirmed_at")
    list_filter = ("grade", "is_staff", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Profile",
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "grade",
                    "specialty",
                    "organisation",
                    "site",
                    "gender",
                    "training_started_on",
                    "email_confirmed_at",
                )
            },
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(Notification)
class NotificationAdmin(ProjectModelAdmin):
    list_display = ("key", "kind", "recipient", "created_at", "sent_at", "attempts")
    list_filter = ("kind",)
    search_fields = ("key",)
    # Messages are a record of what was sent: read-only here.
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ProjectModelAdmin):
    """Admins read the audit log here; nobody can add, change or delete an entry."""

    list_display = ("created_at", "actor_email", "action", "target", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_email", "action", "target")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderIdentity)
class ProviderIdentityAdmin(ProjectModelAdmin):
    """Which NHS identities sign in to which accounts. An admin can unlink one (delete it), for
    someone whose NHSmail account was replaced; the next sign-in links the new one by address."""

    list_display = ("user", "provider", "linked_at", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("user__email",)
    readonly_fields = [field.name for field in ProviderIdentity._meta.fields]

    def has_add_permission(self, request):
        return False


def _on_project_base(model, package_admin, **options):
    """Register `model` again with its package's admin class on the project's base."""
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    bases = (ProjectModelAdmin, package_admin)
    admin.site.register(
        model, type(package_admin.__name__, bases, {"__module__": __name__, **options})
    )


_on_project_base(Group, DjangoGroupAdmin)
# Sign-in attempts: admins read them and can clear them (to lift a lock-out).
_on_project_base(AccessAttempt, axes_admin.AccessAttemptAdmin)
_on_project_base(AccessLog, axes_admin.AccessLogAdmin)
_on_project_base(AccessFailureLog, axes_admin.AccessFailureLogAdmin)
# Two-step devices: an admin may delete a lost one, never read its key; backup codes are not shown.
_on_project_base(TOTPDevice, TOTPDeviceAdmin)
_on_project_base(StaticDevice, StaticDeviceAdmin, inlines=[])
