"""Small things a person notices: how times read, how the admin names things, the site's icon."""

from datetime import datetime

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from tests.test_fuzz_every_form import PROJECT_APPS

AFTERNOON = datetime(2024, 8, 7, 13, 35, tzinfo=timezone.get_default_timezone())


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ when }}", "7 Aug 2024, 13:35"),
        ("{{ when|time }}", "13:35"),
        ('{{ when|date:"DATETIME_FORMAT" }}', "7 Aug 2024, 13:35"),
        ('{{ when|date:"SHORT_DATETIME_FORMAT" }}', "07/08/2024 13:35"),
        ("{{ when|date }}", "7 Aug 2024"),
    ],
)
def test_times_read_the_uk_way_on_the_24_hour_clock(template, expected):
    with translation.override("en-gb"), timezone.override("Europe/London"):
        rendered = Template(template).render(Context({"when": AFTERNOON}))
    assert rendered == expected


@pytest.mark.django_db
def test_the_admin_history_shows_when_on_the_24_hour_clock(client, superuser, scheme):
    entry = LogEntry.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(scheme),
        object_id=str(scheme.pk),
        object_repr=str(scheme),
        action_flag=CHANGE,
        change_message="Changed the description.",
    )
    LogEntry.objects.filter(pk=entry.pk).update(action_time=AFTERNOON)
    client.force_login(superuser)

    page = client.get(reverse("admin:schemes_scheme_history", args=[scheme.pk])).content.decode()

    assert "7 Aug 2024, 13:35" in page
    assert "p.m." not in page


@pytest.mark.django_db
def test_the_admin_calls_matching_settings_matching_settings(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Matching settings" in page
    assert "settingss" not in page


def test_no_model_name_ending_in_s_gains_a_second_s_in_the_plural():
    doubled = [
        f"{model._meta.label}: {model._meta.verbose_name_plural}"
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if str(model._meta.verbose_name).endswith("s")
        and str(model._meta.verbose_name_plural) == f"{model._meta.verbose_name}s"
    ]
    assert not doubled, f"set verbose_name_plural on these: {doubled}"


@pytest.mark.django_db
def test_favicon_ico_sends_browsers_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"


@pytest.mark.django_db
def test_every_page_names_the_site_icon(client):
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
