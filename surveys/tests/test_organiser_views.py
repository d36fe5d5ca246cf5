"""Organisers: the schedule, and copying and adapting a template into a new version."""

import pytest
from django.urls import reverse

from surveys.models import (
    Moment,
    Question,
    SchemeSurveySchedule,
    SurveyTemplate,
    TemplateInUse,
)
from surveys.services import schedule_ensure_default
from surveys.tests.factories import builtin, invite, response_with

pytestmark = pytest.mark.django_db


def surveys_url(scheme):
    return reverse("surveys:scheme", args=[scheme.slug])


def adapt_url(scheme, template):
    return reverse("surveys:template-adapt", args=[scheme.slug, template.pk])


def adapt_data(template, *, drop=(), reword=None, new=(), **overrides):
    """The adapt form as a browser would post it: every question kept unless dropped."""
    data = {
        "name": "SLaM mentee follow-up",
        "introduction": "Five minutes, please.",
        "anonymous": "on",
        "use_in_schedule": "on",
        "new-TOTAL_FORMS": "3",
        "new-INITIAL_FORMS": "0",
        "new-MIN_NUM_FORMS": "0",
        "new-MAX_NUM_FORMS": "10",
    }
    for question in template.questions.all():
        prefix = f"kept-{question.pk}"
        if question.code not in drop:
            data[f"{prefix}-keep"] = "on"
        data[f"{prefix}-text"] = (reword or {}).get(question.code, question.text)
        if question.choices:
            data[f"{prefix}-choices"] = "\n".join(question.choices)
    for index, fields in enumerate(new):
        for name, value in fields.items():
            data[f"new-{index}-{name}"] = value
    data.update(overrides)
    return data


# --- Schedule -------------------------------------------------------------------------------------


def test_the_organiser_sees_the_schedule_which_is_created_on_first_visit(client, organiser, scheme):
    client.force_login(organiser)
    response = client.get(surveys_url(scheme))
    assert response.status_code == 200
    assert scheme.survey_schedule.count() == 5
    page = response.content.decode()
    assert "Mentee survey: how is it going?" in page and "Copy and adapt" in page
    assert 'aria-current="page" href="' + surveys_url(scheme) + '">Surveys</a>' in page


@pytest.mark.parametrize("who", ["mentee", "supervisor", "dme", "regional_lead"])
def test_only_organisers_manage_surveys(client, scheme, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(surveys_url(scheme)).status_code == 403


def test_another_trusts_organiser_gets_not_found(client, other_organiser, scheme):
    client.force_login(other_organiser)
    assert client.get(surveys_url(scheme)).status_code == 404


def test_the_organiser_changes_the_follow_up_interval(client, organiser, scheme):
    schedule_ensure_default(scheme=scheme)
    entry = scheme.survey_schedule.get(moment=Moment.PERIODIC, audience="mentee")
    client.force_login(organiser)
    prefix = f"entry-{entry.pk}"
    response = client.post(
        reverse("surveys:schedule-update", args=[scheme.slug, entry.pk]),
        {
            f"{prefix}-template": entry.template_id,
            f"{prefix}-every_months": "2",
            f"{prefix}-is_active": "on",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.every_months == 2 and entry.is_active


def test_a_bad_interval_is_refused_with_a_message_and_nothing_is_saved(client, organiser, scheme):
    schedule_ensure_default(scheme=scheme)
    entry = scheme.survey_schedule.get(moment=Moment.PERIODIC, audience="mentee")
    client.force_login(organiser)
    prefix = f"entry-{entry.pk}"
    response = client.post(
        reverse("surveys:schedule-update", args=[scheme.slug, entry.pk]),
        {f"{prefix}-template": entry.template_id, f"{prefix}-every_months": "0"},
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    entry.refresh_from_db()
    assert entry.every_months == 3 and entry.is_active


def test_a_mentor_survey_cannot_be_scheduled_for_mentees(client, organiser, scheme):
    schedule_ensure_default(scheme=scheme)
    entry = scheme.survey_schedule.get(moment=Moment.PERIODIC, audience="mentee")
    client.force_login(organiser)
    prefix = f"entry-{entry.pk}"
    response = client.post(
        reverse("surveys:schedule-update", args=[scheme.slug, entry.pk]),
        {
            f"{prefix}-template": builtin("mentor-follow-up").pk,
            f"{prefix}-every_months": "3",
            f"{prefix}-is_active": "on",
        },
    )
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.template.key == "mentee-follow-up"


def test_schedule_changes_take_post_only_and_organisers_only(client, organiser, mentee, scheme):
    schedule_ensure_default(scheme=scheme)
    entry = scheme.survey_schedule.first()
    url = reverse("surveys:schedule-update", args=[scheme.slug, entry.pk])
    client.force_login(organiser)
    assert client.get(url).status_code == 405
    client.force_login(mentee)
    assert client.post(url, {}).status_code == 403


def test_the_organiser_adds_an_end_of_year_survey_once(client, organiser, scheme):
    schedule_ensure_default(scheme=scheme)
    client.force_login(organiser)
    data = {
        "add-moment": Moment.END_OF_YEAR,
        "add-audience": "mentee",
        "add-template": builtin("mentee-follow-up").pk,
    }
    url = reverse("surveys:schedule-add", args=[scheme.slug])
    assert client.post(url, data).status_code == 302
    assert scheme.survey_schedule.filter(moment=Moment.END_OF_YEAR).count() == 1
    again = client.post(url, data)
    assert again.status_code == 400
    assert "already has a survey for these people at this time" in again.content.decode()
    assert scheme.survey_schedule.filter(moment=Moment.END_OF_YEAR).count() == 1


# --- Copy and adapt -------------------------------------------------------------------------------


def test_adapting_makes_a_new_version_and_leaves_the_original_alone(client, organiser, scheme):
    schedule_ensure_default(scheme=scheme)
    source = builtin("mentee-follow-up")
    before = list(source.questions.values_list("code", "text"))
    client.force_login(organiser)
    assert client.get(adapt_url(scheme, source)).status_code == 200

    response = client.post(
        adapt_url(scheme, source),
        adapt_data(
            source,
            drop={"process-meetings-count"},
            reword={"content-feedback": "My mentor gives me feedback I can use."},
            new=[
                {
                    "text": "Did you use the scheme's handbook?",
                    "kind": "yes_no",
                    "domain": "process",
                }
            ],
        ),
    )
    assert response.status_code == 302
    adapted = SurveyTemplate.objects.get(scheme=scheme)
    assert (adapted.key, adapted.version, adapted.based_on) == (source.key, 1, source)
    assert list(source.questions.values_list("code", "text")) == before
    codes = dict(adapted.questions.values_list("text", "code"))
    assert "How many times have you met your mentor in the last three months?" not in codes
    # Unchanged wording keeps its code (pooled in results); changed wording starts afresh.
    assert codes["I can raise any issue with my mentor."] == "content-raise-issues"
    assert codes["My mentor gives me feedback I can use."] != "content-feedback"
    assert codes["Did you use the scheme's handbook?"].startswith(f"s{scheme.pk}-v1-")
    repeated = adapted.questions.filter(is_repeated=True)
    assert set(repeated.values_list("code", flat=True)) == set(
        source.questions.filter(is_repeated=True).values_list("code", flat=True)
    )
    # From now on the scheme sends the new version.
    entry = scheme.survey_schedule.get(moment=Moment.PERIODIC, audience="mentee")
    assert entry.template == adapted


def test_adapting_again_makes_version_two(client, organiser, scheme):
    source = builtin("mentee-follow-up")
    client.force_login(organiser)
    client.post(adapt_url(scheme, source), adapt_data(source))
    first = SurveyTemplate.objects.get(scheme=scheme)
    client.post(adapt_url(scheme, first), adapt_data(first, name="Second go"))
    assert list(SurveyTemplate.objects.filter(scheme=scheme).values_list("version", flat=True)) == [
        2,
        1,
    ]


def test_the_wording_of_a_repeated_item_cannot_change(client, organiser, scheme):
    source = builtin("mentee-follow-up")
    client.force_login(organiser)
    client.post(
        adapt_url(scheme, source),
        adapt_data(source, reword={"confidence-career": "I love my career."}),
    )
    adapted = SurveyTemplate.objects.get(scheme=scheme)
    question = adapted.questions.get(code="confidence-career")
    assert question.text == "I feel confident about the next steps in my career."
    assert question.is_repeated


def test_a_choice_question_without_choices_is_refused_and_nothing_is_saved(
    client, organiser, scheme
):
    source = builtin("mentee-follow-up")
    client.force_login(organiser)
    response = client.post(
        adapt_url(scheme, source),
        adapt_data(
            source,
            new=[{"text": "Where do you meet?", "kind": "single_choice", "domain": "process"}],
        ),
    )
    assert response.status_code == 400
    assert "Give at least two choices, one per line." in response.content.decode()
    assert not SurveyTemplate.objects.filter(scheme=scheme).exists()


def test_leaving_out_every_question_is_refused(client, organiser, scheme):
    source = builtin("mentor-end-of-pair")
    client.force_login(organiser)
    codes = set(source.questions.values_list("code", flat=True))
    response = client.post(adapt_url(scheme, source), adapt_data(source, drop=codes))
    assert response.status_code == 400
    assert "Keep or add at least one question." in response.content.decode()
    assert not SurveyTemplate.objects.filter(scheme=scheme).exists()


def test_adapting_is_for_the_schemes_organisers_only(
    client, mentee, other_organiser, organiser, scheme, other_scheme
):
    source = builtin("mentee-follow-up")
    client.force_login(mentee)
    assert client.post(adapt_url(scheme, source), adapt_data(source)).status_code == 403
    client.force_login(other_organiser)
    assert client.get(adapt_url(scheme, source)).status_code == 404
    # Another scheme's own version is not among this scheme's templates.
    client.post(adapt_url(other_scheme, source), adapt_data(source))
    theirs = SurveyTemplate.objects.get(scheme=other_scheme)
    client.force_login(organiser)
    assert client.get(adapt_url(scheme, theirs)).status_code == 404
    assert (
        client.get(reverse("surveys:template-detail", args=[scheme.slug, theirs.pk])).status_code
        == 404
    )


def test_a_template_that_has_been_sent_is_never_edited_in_place(mentee, scheme):
    template = builtin("mentee-follow-up")
    question = template.questions.first()
    question.text = "Something else"
    question.save()  # not sent yet: fine (a migration might do this)
    invite(mentee, scheme)
    question.text = "Something else again"
    with pytest.raises(TemplateInUse):
        question.save()
    with pytest.raises(TemplateInUse):
        Question(template=template, code="new", text="New", kind="yes_no", domain="process").save()
    template.anonymous = False
    with pytest.raises(TemplateInUse):
        template.save()


def test_results_pool_versions_by_unchanged_questions(client, organiser, scheme):
    source = builtin("mentee-follow-up")
    client.force_login(organiser)
    client.post(
        adapt_url(scheme, source),
        adapt_data(source, reword={"content-feedback": "My mentor gives me feedback I can use."}),
    )
    adapted = SurveyTemplate.objects.get(scheme=scheme)
    new_code = adapted.questions.get(text__startswith="My mentor gives me feedback I").code
    for template in (source, source, source, adapted, adapted):
        answers = {"content-raise-issues": 4}
        answers["content-feedback" if template == source else new_code] = 5
        response_with(scheme, template, answers)
    page = client.get(reverse("surveys:scheme-results", args=[scheme.slug])).content.decode()
    # Five answers to the unchanged question, pooled; three and two to the two wordings.
    assert "5 answers · mean 4.00 out of 5" in page
    assert page.count("fewer than 5 responses") >= 2


def test_schedule_entry_must_match_template_audience_in_the_model():
    entry = SchemeSurveySchedule(moment=Moment.PERIODIC, audience="mentee")
    entry.template = builtin("mentor-follow-up")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        entry.clean()
