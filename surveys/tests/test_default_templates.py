"""The built-in templates cover the seed's evaluation framework and measure change."""

import pytest

from surveys.models import Audience, Domain, Question, SurveyTemplate
from surveys.tests.factories import builtin

pytestmark = pytest.mark.django_db

KEYS = {
    "mentee-baseline": Audience.MENTEE,
    "mentee-follow-up": Audience.MENTEE,
    "mentee-end-of-pair": Audience.MENTEE,
    "mentor-follow-up": Audience.MENTOR,
    "mentor-end-of-pair": Audience.MENTOR,
}


def test_the_five_default_templates_ship_with_the_app_and_are_anonymous():
    templates = SurveyTemplate.objects.filter(scheme=None)
    assert {template.key: template.audience for template in templates} == KEYS
    assert all(template.anonymous for template in templates)


def test_follow_up_surveys_ask_about_every_item_of_the_seeds_framework():
    for key in ("mentee-follow-up", "mentee-end-of-pair"):
        texts = " ".join(q.text.lower() for q in builtin(key).questions.all())
        for words in (
            "clear objectives",
            "meet regularly",
            "clear purpose",
            "feedback",
            "raise any issue",
            "challenge",
            "progress",
            "career",
            "got to know people",
        ):
            assert words in texts, f"{key} does not ask about {words!r}"


def test_every_default_survey_measures_process_content_and_outcome_except_the_baseline():
    for key in KEYS:
        domains = set(builtin(key).questions.values_list("domain", flat=True))
        if key == "mentee-baseline":
            assert {Domain.OUTCOME, Domain.WELLBEING} <= domains
        else:
            assert {Domain.PROCESS, Domain.CONTENT, Domain.OUTCOME} <= domains


def test_confidence_and_wellbeing_items_are_asked_word_for_word_at_baseline_and_follow_up():
    def repeated(key):
        return {
            (q.code, q.text, q.low_label, q.high_label)
            for q in builtin(key).questions.filter(is_repeated=True)
        }

    baseline, follow_up = repeated("mentee-baseline"), repeated("mentee-follow-up")
    assert baseline == follow_up
    codes = {code for code, *_ in baseline}
    assert any(code.startswith("confidence") for code in codes)
    assert any(code.startswith("wellbeing") for code in codes)
    assert all(
        q.kind == Question.Kind.LIKERT
        for q in Question.objects.filter(is_repeated=True, template__scheme=None)
    )


def test_every_likert_question_has_labelled_ends_and_every_choice_question_has_choices():
    for question in Question.objects.filter(template__scheme=None):
        if question.kind == Question.Kind.LIKERT:
            assert question.low_label and question.high_label
        if question.kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE):
            assert len(question.choices) >= 2


def test_the_looking_back_surveys_ask_in_the_past_tense_and_never_pool_reworded_answers():
    for key in ("mentee-end-of-pair", "mentor-end-of-pair"):
        latest = SurveyTemplate.objects.filter(scheme=None, key=key).order_by("-version").first()
        assert latest.version == 2
        texts = [question.text for question in latest.questions.all()]
        assert "We met regularly." in texts and "Our meetings had a clear purpose." in texts
        assert not any(word in " ".join(texts) for word in (" meet regularly", " have a clear"))
        first = {q.code: q.text for q in builtin(key).questions.all()}
        for question in latest.questions.all():
            if question.code in first:
                assert first[question.code] == question.text, question.code
