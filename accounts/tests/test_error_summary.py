"""A form that comes back with errors says so at its top, once, with a link to each field."""

import re

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from schemes.tests.test_organiser_views import scheme_settings

SUMMARY = re.compile(
    r'<div class="alert alert-danger error-summary" role="alert">(.*?)</div>', re.S
)


def summaries(html):
    return SUMMARY.findall(html)


class TwoFields(forms.Form):
    name = forms.CharField(label="Your name")
    mode = forms.ChoiceField(
        label="How you meet", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def test_the_summary_lists_each_error_and_links_to_its_field():
    form = TwoFields(data={})
    html = Template("{% load form_errors %}{% error_summary form %}").render(
        Context({"form": form})
    )
    (summary,) = summaries(html)
    assert "Something about the whole form." in summary
    assert '<a class="alert-link" href="#id_name">Your name: This field is required.</a>' in summary
    # A group of radios has no single input: the link goes to the group.
    assert 'href="#div_id_mode">How you meet: This field is required.</a>' in summary


def test_a_form_without_errors_has_no_summary():
    form = TwoFields(data={"name": "Maya", "mode": "a"})
    form.clean = lambda: form.cleaned_data
    html = Template("{% load form_errors %}{% error_summary form %}").render(
        Context({"form": form})
    )
    assert summaries(html) == []


def test_a_form_summarised_on_the_page_is_not_summarised_again_by_crispy():
    form = TwoFields(data={})
    html = Template(
        "{% load crispy_forms_tags form_errors %}{% error_summary form %}{{ form|crispy }}"
    ).render(Context({"form": form}))
    assert len(summaries(html)) == 1
    assert html.count("Something about the whole form.") == 1


@pytest.mark.django_db
def test_the_scheme_settings_say_at_the_top_which_intake_dates_need_attention(
    client, organiser, scheme
):
    """Issue #13, 1: six "This field is required" at the bottom of a long page, none at the top."""
    client.force_login(organiser)
    data = scheme_settings(scheme, **{"windows-0-opens_on": "", "windows-0-closes_on": ""})

    response = client.post(reverse("schemes:edit", args=[scheme.slug]), data)

    html = response.content.decode()
    (summary,) = summaries(html)
    assert 'href="#id_windows-0-opens_on">Intake window 1, Opens on: This field is required.' in (
        summary
    )
    assert 'href="#id_windows-0-closes_on">Intake window 1, Closes on: This field is required.' in (
        summary
    )
    # At the top: before the first field of the form.
    assert html.index("error-summary") < html.index('name="name"')


@pytest.mark.django_db
def test_every_crispy_form_shows_the_summary(client, mentee):
    client.force_login(mentee)
    response = client.post(reverse("accounts:profile"), {"first_name": "", "last_name": ""})
    (summary,) = summaries(response.content.decode())
    assert 'href="#id_first_name">First name: This field is required.' in summary


def test_the_summary_escapes_what_was_typed_and_keeps_a_messages_own_link():
    from django.utils.html import format_html

    form = TwoFields(data={"name": "x", "mode": "<script>"})
    form.is_valid()
    form.add_error("name", format_html('Taken: <a href="{}">log in</a>', "/accounts/login/"))
    html = Template("{% load form_errors %}{% error_summary form %}").render(
        Context({"form": form})
    )
    (summary,) = summaries(html)
    assert '<li>Your name: Taken: <a href="/accounts/login/">log in</a></li>' in summary
    assert "<script>" not in summary and "&lt;script&gt;" in summary
