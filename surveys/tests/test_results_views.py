"""Who sees results, and the small-numbers rule on the page. The CSV and XLSX exports of the same
figures are in reports (reports/tests/test_survey_exports.py)."""

import pytest
from django.urls import reverse

from surveys.tests.factories import builtin, response_with

pytestmark = pytest.mark.django_db
SUPPRESSED = "fewer than 5 responses"


def scheme_url(scheme, name="surveys:scheme-results"):
    return reverse(name, args=[scheme.slug])


def organisation_url(organisation, name="surveys:organisation-results"):
    return reverse(name, args=[organisation.slug])


def responses(scheme, count, *, feedback=4, text="More evening slots"):
    follow_up = builtin("mentee-follow-up")
    for index in range(count):
        response_with(
            scheme,
            follow_up,
            {"content-feedback": feedback, "follow-up-improve": f"{text} {index}"},
        )


# --- Who may see ----------------------------------------------------------------------------------


def test_the_organiser_sees_the_schemes_results(client, organiser, scheme):
    responses(scheme, 5)
    client.force_login(organiser)
    response = client.get(scheme_url(scheme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mentee survey: how is it going?" in page
    assert 'data-chart="chart-mentee-follow-up-domains"' in page
    assert "vendor/chart.js/chart.umd.min.js" in page and "js/charts.js" in page
    assert "cdn" not in page.lower()


@pytest.mark.parametrize("who", ["mentee", "mentor", "supervisor", "dme", "regional_lead"])
def test_people_related_to_the_scheme_who_do_not_organise_it_are_refused(
    client, scheme, who, request
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(scheme_url(scheme)).status_code == 403


@pytest.mark.parametrize("who", ["other_organiser", "other_dme"])
def test_other_trusts_staff_do_not_learn_the_scheme_exists(client, scheme, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(scheme_url(scheme)).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, scheme):
    response = client.get(scheme_url(scheme))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_results_pages_only_answer_get(client, organiser, dme, scheme, organisation):
    client.force_login(organiser)
    assert client.post(scheme_url(scheme)).status_code == 405
    client.force_login(dme)
    assert client.post(organisation_url(organisation)).status_code == 405


@pytest.mark.parametrize("who", ["dme", "regional_lead"])
def test_the_dme_and_the_regional_lead_see_the_organisations_aggregate(
    client, organisation, scheme, who, request
):
    responses(scheme, 6)
    client.force_login(request.getfixturevalue(who))
    response = client.get(organisation_url(organisation))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mentee survey: how is it going?" in page
    # Aggregate only: free text stays with the scheme's organisers.
    assert "More evening slots" not in page
    assert "shown only to the scheme's organisers" in page


@pytest.mark.parametrize("who", ["organiser", "mentee", "supervisor"])
def test_the_trusts_own_staff_and_trainees_cannot_read_the_organisations_results(
    client, organisation, who, request
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(organisation_url(organisation)).status_code == 403


def test_another_trusts_dme_does_not_learn_the_organisation_exists(client, organisation, other_dme):
    client.force_login(other_dme)
    assert client.get(organisation_url(organisation)).status_code == 404


def test_the_results_index_lists_what_each_person_may_open(
    client, organiser, dme, mentee, scheme, organisation
):
    client.force_login(organiser)
    assert scheme_url(scheme) in client.get(reverse("surveys:results-index")).content.decode()
    client.force_login(dme)
    page = client.get(reverse("surveys:results-index")).content.decode()
    assert organisation_url(organisation) in page and scheme_url(scheme) not in page
    client.force_login(mentee)
    assert client.get(reverse("surveys:results-index")).status_code == 403


def test_each_results_page_links_to_its_own_exports(client, organiser, dme, scheme, organisation):
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    for name in ("reports:scheme-survey-results-csv", "reports:scheme-survey-results-xlsx"):
        assert f'href="{reverse(name, args=[scheme.slug])}" download' in page
    client.force_login(dme)
    page = client.get(organisation_url(organisation)).content.decode()
    for name in (
        "reports:organisation-survey-results-csv",
        "reports:organisation-survey-results-xlsx",
    ):
        assert f'href="{reverse(name, args=[organisation.slug])}" download' in page


# --- Small numbers --------------------------------------------------------------------------------


def test_with_four_responses_no_figure_is_shown_anywhere(client, organiser, dme, scheme):
    responses(scheme, 4, feedback=5)
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    assert SUPPRESSED in page
    assert "data-chart=" not in page
    assert "More evening slots" not in page
    assert "mean 5.00" not in page and "5.00" not in page

    client.force_login(dme)
    org_page = client.get(organisation_url(scheme.organisation)).content.decode()
    assert SUPPRESSED in org_page and "5.00" not in org_page


def test_with_five_responses_the_figures_and_free_text_appear(client, organiser, scheme):
    responses(scheme, 5, feedback=5)
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    assert "mean 5.00 out of 5" in page
    assert "data-chart=" in page
    # Free text, unattributed and in an order that says nothing about who wrote it.
    assert page.count("More evening slots") == 5


def test_free_text_needs_five_answers_to_that_question(client, organiser, scheme):
    follow_up = builtin("mentee-follow-up")
    for index in range(6):
        answers = {"content-feedback": 4}
        if index < 4:
            answers["follow-up-improve"] = f"Idea {index}"
        response_with(scheme, follow_up, answers)
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    assert "Idea 0" not in page
    assert "mean 4.00 out of 5" in page


def test_response_rate_is_shown_only_from_five_answers(client, organiser, scheme, mentee):
    from surveys.models import Invitation
    from surveys.tests.factories import invite

    invite(mentee, scheme)
    responses(scheme, 4)
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    assert Invitation.objects.count() == 1
    assert "%" not in page.split("Response rates")[1].split("</table>")[0]


def test_a_scheme_with_no_surveys_yet_says_so(client, organiser, scheme):
    client.force_login(organiser)
    page = client.get(scheme_url(scheme)).content.decode()
    assert "No survey has been sent yet" in page
