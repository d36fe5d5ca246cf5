"""The regional provision report under the disclosure rule (schemes.disclosure), on the page and in
its CSV and XLSX alike: a count of 1 to 4 eligible trainees or enrolled mentees reads "fewer than
5", and no uptake (percentage or band) is given that would narrow it down; the threshold is a
setting. A scheme's declared facts are not counts of people and are shown as they are."""

import pytest
from django.test import override_settings
from django.urls import reverse

from reports.tests.test_exports import csv_rows, workbook
from schemes.tests.factories import EnrolmentFactory, MemberFactory

pytestmark = pytest.mark.django_db


def trainees(scheme, *, eligible, enrolled):
    members = [
        MemberFactory(organisation=scheme.organisation, grade="CT1", specialty="Psychiatry")
        for _ in range(eligible)
    ]
    for member in members[:enrolled]:
        EnrolmentFactory(scheme=scheme, user=member)


def report(client, regional_lead, region):
    """(the page, the scheme's CSV row, its XLSX row), each row keyed by heading."""
    client.force_login(regional_lead)
    page = client.get(reverse("reports:provision", args=[region.slug]))
    assert page.status_code == 200
    rows = csv_rows(client.get(reverse("reports:provision-csv", args=[region.slug])))
    [in_csv] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[1] != "No scheme"]
    sheet = list(
        workbook(client.get(reverse("reports:provision-xlsx", args=[region.slug])))[
            "Provision by trust"
        ].iter_rows(values_only=True)
    )
    [in_xlsx] = [
        dict(zip(sheet[0], row, strict=True)) for row in sheet[1:] if row[1] != "No scheme"
    ]
    return page.content.decode(), in_csv, in_xlsx


def uptake(row):
    return (row["Eligible trainees"], row["Enrolled mentees"], row["Uptake %"], row["Uptake band"])


def test_three_mentees_read_fewer_than_5_on_the_page_and_in_the_csv_and_xlsx(
    client, regional_lead, region, scheme
):
    trainees(scheme, eligible=10, enrolled=3)
    page, in_csv, in_xlsx = report(client, regional_lead, region)

    assert "fewer than 5 of 10" in page
    assert uptake(in_csv) == ("10", "fewer than 5", "", "Not shown")
    assert uptake(in_xlsx) == (10, "fewer than 5", None, "Not shown")
    assert "30" not in (in_csv["Uptake %"], in_csv["Uptake band"])


def test_no_band_narrows_a_small_count_down(client, regional_lead, region, scheme):
    # 1 of 5 is 20%: the band "<25%" beside "5 eligible" would say exactly 1 enrolled.
    trainees(scheme, eligible=5, enrolled=1)
    page, in_csv, in_xlsx = report(client, regional_lead, region)

    assert uptake(in_xlsx) == (5, "fewer than 5", None, "Not shown")
    assert "&lt;25%" not in page.split("Trust by trust")[-1]
    assert "left out of this figure and of the average uptake" in page


def test_five_or_more_show_the_real_uptake(client, regional_lead, region, scheme):
    trainees(scheme, eligible=10, enrolled=5)
    page, in_csv, in_xlsx = report(client, regional_lead, region)

    assert "5 of 10" in page
    assert uptake(in_csv) == ("10", "5", "50.0", "50–75%")
    assert uptake(in_xlsx) == (10, 5, 50.0, "50–75%")


@override_settings(DISCLOSURE_MIN_COUNT=8)
def test_the_threshold_is_read_from_settings(client, regional_lead, region, scheme):
    trainees(scheme, eligible=10, enrolled=6)
    page, in_csv, in_xlsx = report(client, regional_lead, region)

    assert "fewer than 8 of 10" in page
    assert uptake(in_xlsx) == (10, "fewer than 8", None, "Not shown")
