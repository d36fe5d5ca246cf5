"""One summary of what needs attention, at the top of a form that came back with errors.

A long form (a scheme's settings run to 3,700 px) otherwise shows its mistakes where they are,
often far below the button that was pressed. The summary lists each one and links to its field.
Every crispy form shows it (templates/bootstrap5/errors.html); a page with several forms or a
formset calls `{% error_summary form formset ... %}` once above them, and the forms it covered
do not repeat it.
"""

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeData
from django.utils.text import capfirst

register = template.Library()

SHOWN = "_error_summary_shown"


def _field_target(field):
    """The element a link should take the reader to: the input, or the group of radios."""
    return field.id_for_label or f"div_{field.auto_id}"


def _form_items(form, prefix=""):
    items = [{"message": error, "target": None} for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            label = capfirst(field.label or field.name)
            # format_html keeps a message's own link (some are safe HTML) and escapes the rest.
            message = format_html("{}{}: {}", prefix, label, error)
            has_link = isinstance(error, SafeData) and "<a " in error  # no link inside a link
            target = None if has_link else _field_target(field)
            items.append({"message": message, "target": target})
    return items


def _formset_items(formset):
    items = [{"message": error, "target": None} for error in formset.non_form_errors()]
    model = getattr(formset, "model", None)
    name = capfirst(model._meta.verbose_name) if model else "Row"
    for number, form in enumerate(formset.forms, start=1):
        items += _form_items(form, prefix=f"{name} {number}, ")
    return items


def _flatten(things):
    for thing in things:
        if isinstance(thing, list | tuple):
            yield from _flatten(thing)
        elif thing is not None and thing != "":
            yield thing


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms_and_formsets):
    items = []
    for thing in _flatten(forms_and_formsets):
        if getattr(thing, SHOWN, False):
            continue
        setattr(thing, SHOWN, True)
        if isinstance(thing, forms.BaseFormSet):
            for form in thing.forms:
                setattr(form, SHOWN, True)
            items += _formset_items(thing)
        elif isinstance(thing, forms.BaseForm):
            items += _form_items(thing)
    return {"items": items}
