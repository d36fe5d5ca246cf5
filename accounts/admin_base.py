"""One base for every admin page of the project: the site admin runs the service, reads no content.

Content — meeting summaries and notes, goals, agreements, places, referral and withdrawal reasons,
survey answers, supervisors' notes — belongs to the people who wrote it (DESIGN.md). Each model
names its content in a `confidential_fields` class attribute, beside the fields themselves; the
secrets of other packages' models are named in CONFIDENTIAL_ELSEWHERE below. An admin built on
`ProjectModelAdmin` (inlines on `ProjectTabularInline` / `ProjectStackedInline`):

1. leaves those fields out of every form, column, search, filter, ordering and read-only display,
   and fails the system checks when its options name one;
2. takes a lookup from the changelist's URL only on a `list_filter` field or the
   `date_hierarchy`, in the forms Django's own filters write (`?status__exact=`,
   `?pair__scheme__id__exact=`), so that the URL is no search oracle (`?summary__contains=`,
   `?withdrawal_reason__regex=`); a refused lookup is a 400 and is audited;
3. records every add, change and delete in the audit log: the model, the id and the names of the
   changed fields, never their values.
"""

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import InlineModelAdmin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from .audit import audit_record

# Other packages' models, whose secrets are treated like content: the admin never shows them.
CONFIDENTIAL_ELSEWHERE = {
    "otp_totp.totpdevice": ("key",),
    "otp_static.statictoken": ("token",),
}

# The lookups Django's own list filters write after a filter's field path: exact values and
# emptiness (choices, booleans, all values), a related object's id, a date range.
FILTER_LOOKUPS = ("", "exact", "isnull", "isempty", "id__exact", "pk__exact", "gte", "lt")
DATE_HIERARCHY_LOOKUPS = ("year", "month", "day", "gte", "lt")

# The admin options that name fields, and so must never name a confidential one.
FIELD_OPTIONS = (
    "fields",
    "readonly_fields",
    "list_display",
    "list_display_links",
    "list_filter",
    "list_editable",
    "search_fields",
    "ordering",
    "sortable_by",
    "date_hierarchy",
    "raw_id_fields",
    "autocomplete_fields",
    "prepopulated_fields",
)


def confidential_fields(model):
    """The names of `model`'s content fields (`confidential_fields` on the model)."""
    declared = getattr(model, "confidential_fields", ())
    elsewhere = CONFIDENTIAL_ELSEWHERE.get(model._meta.label_lower, ())
    return frozenset(declared) | frozenset(elsewhere)


def reaches_confidential(model, path):
    """Whether a field path or lookup ("pair__meetings__summary__contains", "-summary",
    "^title") names a confidential field of `model` or of a model it reaches through relations."""
    for part in path.lstrip("-^=@").split(LOOKUP_SEP):
        if part in confidential_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup ("contains", "year"), or no field at all
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def _names(option):
    """The field names an admin option holds: strings, tuples of them, a fieldsets structure."""
    if isinstance(option, str):
        yield option
    elif isinstance(option, dict):  # prepopulated_fields
        for key, sources in option.items():
            yield key
            yield from _names(sources)
    elif isinstance(option, (list, tuple)):
        for item in option:
            if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict):
                yield from _names(item[1].get("fields", ()))  # a fieldset
            elif isinstance(item, (str, list, tuple)):
                yield from _names(item[0] if _is_filter_with_class(item) else item)


def _is_filter_with_class(item):
    return isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], type)


class ConfidentialFieldsMixin:
    """Keeps the model's content fields out of everything an admin page builds."""

    def _reaches_confidential(self, name):
        return isinstance(name, str) and reaches_confidential(self.model, name)

    def _without_confidential(self, names):
        kept = []
        for name in names or ():
            if _is_filter_with_class(name):
                if not self._reaches_confidential(name[0]):
                    kept.append(name)
            elif isinstance(name, (list, tuple)):  # fields shown on one line
                line = self._without_confidential(name)
                if line:
                    kept.append(type(name)(line))
            elif not self._reaches_confidential(name):
                kept.append(name)
        return kept

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or ())
        return excluded + sorted(confidential_fields(self.model) - set(excluded))

    def get_fields(self, request, obj=None):
        return self._without_confidential(super().get_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = self._without_confidential(options.get("fields", ()))
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self._without_confidential(super().get_readonly_fields(request, obj))

    def get_ordering(self, request):
        return self._without_confidential(super().get_ordering(request))

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_no_confidential_option()]

    def _check_no_confidential_option(self):
        errors = []
        for option in FIELD_OPTIONS:
            for name in _names(getattr(self, option, None) or ()):
                if self._reaches_confidential(name):
                    errors.append(
                        checks.Error(
                            f"{type(self).__name__}.{option} names {name!r}, which reaches a "
                            f"confidential field of {self.model._meta.label}.",
                            hint="Content is never shown, searched, sorted or filtered on in "
                            "the admin: remove it (see accounts/admin_base.py).",
                            obj=type(self),
                            id="accounts.E101",
                        )
                    )
        fieldsets = getattr(self, "fieldsets", None) or ()
        for name in _names(list(fieldsets)):
            if self._reaches_confidential(name):
                errors.append(
                    checks.Error(
                        f"{type(self).__name__}.fieldsets names the confidential field {name!r}.",
                        obj=type(self),
                        id="accounts.E101",
                    )
                )
        return errors


class ProjectModelAdmin(ConfidentialFieldsMixin, admin.ModelAdmin):
    """The base of every ModelAdmin in the project (see the module docstring)."""

    # --- What is shown, searched and sorted on ---------------------------------------------

    def get_list_display(self, request):
        return self._without_confidential(super().get_list_display(request))

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        return links if links is None else self._without_confidential(links)

    def get_list_filter(self, request):
        return self._without_confidential(super().get_list_filter(request))

    def get_search_fields(self, request):
        return self._without_confidential(super().get_search_fields(request))

    def get_sortable_by(self, request):
        return self._without_confidential(super().get_sortable_by(request))

    # --- Lookups in the URL ------------------------------------------------------------------

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_confidential(self.model, lookup):
            return False
        if self._is_raw_id_popup_lookup(lookup, value):
            return True
        return lookup in self.filter_lookups(request)

    def filter_lookups(self, request):
        """Every query-string key this admin's own filters and date hierarchy may write."""
        allowed = set()
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        for item in list_filter:
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                allowed.add(item.parameter_name)
                continue
            path = item[0] if isinstance(item, (list, tuple)) else item
            allowed.update(f"{path}__{suffix}" if suffix else path for suffix in FILTER_LOOKUPS)
        if self.date_hierarchy:
            allowed.update(f"{self.date_hierarchy}__{suffix}" for suffix in DATE_HIERARCHY_LOOKUPS)
        return allowed

    def _is_raw_id_popup_lookup(self, lookup, value):
        """A raw-id popup filters by a foreign key's `limit_choices_to` (Django allows these)."""
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except DisallowedModelAdminLookup:
            audit_record(
                actor=request.user,
                action="admin.lookup-refused",
                target=self.model._meta.label,
                details={"parameters": sorted(request.GET.keys())},
                request=request,
            )
            raise

    # --- Every change audited ----------------------------------------------------------------

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, "admin.add", obj, message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, "admin.change", obj, message)
        return entry

    def log_deletions(self, request, queryset):
        objects = list(queryset)
        entries = super().log_deletions(request, objects)
        for obj in objects:
            self._audit(request, "admin.delete", obj, [])
        return entries

    def _audit(self, request, action, obj, message):
        audit_record(
            actor=request.user,
            action=action,
            target=f"{self.model._meta.label}:{obj.pk}",
            details={
                "model": self.model._meta.label,
                "object_id": str(obj.pk),
                "changes": _field_names_only(message),
            },
            request=request,
        )


def _field_names_only(message):
    """The admin's change message (a list of {"changed"/"added"/"deleted": {...}}) without the
    objects' text: which fields, and which inline rows' models, changed."""
    if not isinstance(message, list):
        return []
    changes = []
    for entry in message:
        for kind, about in entry.items():
            change = {"kind": kind, "fields": list(about.get("fields", []))}
            if "name" in about:
                change["inline"] = str(about["name"])
            changes.append(change)
    return changes


class ProjectInlineMixin(ConfidentialFieldsMixin):
    """Inlines keep content out of their forms and read-only fields likewise."""


class ProjectTabularInline(ProjectInlineMixin, admin.TabularInline):
    pass


class ProjectStackedInline(ProjectInlineMixin, admin.StackedInline):
    pass


def is_project_inline(inline_class):
    return issubclass(inline_class, ProjectInlineMixin) and issubclass(
        inline_class, InlineModelAdmin
    )
