"""The base of every list filter: django-filter's FilterSet with Bootstrap's classes on its widgets.

A page renders the form with templates/_filter_form.html, which gives each field its label.
"""

import django_filters
from django import forms


class LabelledFilterSet(django_filters.FilterSet):
    """A FilterSet whose widgets carry Bootstrap's classes: `form-select` on a choice,
    `form-control` on everything else. A subclass changes its fields after `super().__init__()`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
