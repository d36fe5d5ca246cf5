"""Version 2 of the two built-in "looking back" surveys, asked when a pair has ended.

Version 1 reused the follow-up's present-tense items ("We meet regularly") for a pair that had
ended. Here they are in the past tense. A reworded question gets a new code (as in
`surveys.services.survey_template_adapt`), so no answer is counted under wording it was not
given to; a question whose words did not change keeps its code. Schedules that used version 1
use version 2 from now on; answers already given stay with version 1.
"""

from django.db import migrations

AGREE = ("Strongly disagree", "Strongly agree")
SATISFIED = ("Very dissatisfied", "Very satisfied")


def likert(code, text, domain, labels=AGREE):
    return {
        "code": code,
        "text": text,
        "kind": "likert",
        "domain": domain,
        "low_label": labels[0],
        "high_label": labels[1],
    }


def yes_no(code, text, domain):
    return {"code": code, "text": text, "kind": "yes_no", "domain": domain}


def free_text(code, text):
    return {
        "code": code,
        "text": text,
        "kind": "short_text",
        "domain": "satisfaction",
        "help_text": "Optional. Please do not name anyone.",
    }


TEMPLATES = [
    {
        "key": "mentee-end-of-pair",
        "name": "Mentee survey: looking back",
        "audience": "mentee",
        "introduction": (
            "Your mentoring pair has ended. Looking back, how was it? About four minutes. "
            "Your answers are stored without your name."
        ),
        "questions": [
            likert(
                "process-objectives",
                "My mentor and I agreed clear objectives for our mentoring.",
                "process",
            ),
            likert("end-process-regular", "We met regularly.", "process"),
            likert("end-process-purposeful", "Our meetings had a clear purpose.", "process"),
            likert("end-content-feedback", "My mentor gave me useful feedback.", "content"),
            likert(
                "end-content-raise-issues", "I could raise any issue with my mentor.", "content"
            ),
            likert(
                "end-content-challenge", "I felt able to challenge my mentor's views.", "content"
            ),
            likert("end-outcome-progress", "Mentoring helped my progress in training.", "outcome"),
            likert("end-outcome-career", "Mentoring helped me develop my career plans.", "outcome"),
            likert(
                "end-outcome-networking",
                "Through mentoring I got to know people who help my work or career.",
                "outcome",
            ),
            yes_no("outcome-goals-met", "Did you achieve what you set out to?", "outcome"),
            likert(
                "satisfaction-overall",
                "Overall, how satisfied were you with your mentoring?",
                "satisfaction",
                labels=SATISFIED,
            ),
            yes_no(
                "satisfaction-recommend",
                "Would you recommend the scheme to a colleague?",
                "satisfaction",
            ),
            {
                "code": "satisfaction-another-mentor",
                "text": "Would you like another mentor?",
                "kind": "single_choice",
                "domain": "satisfaction",
                "choices": ["Yes, now", "Maybe later", "No, thank you"],
            },
            free_text("end-most-useful", "What was the most useful thing about your mentoring?"),
            free_text("end-improve", "What should the scheme do differently?"),
        ],
    },
    {
        "key": "mentor-end-of-pair",
        "name": "Mentor survey: looking back",
        "audience": "mentor",
        "introduction": (
            "One of your mentoring pairs has ended. Looking back, how was it? About four "
            "minutes. Your answers are stored without your name."
        ),
        "questions": [
            likert(
                "mentor-process-objectives", "My mentee and I agreed clear objectives.", "process"
            ),
            likert("mentor-end-process-regular", "We met regularly.", "process"),
            likert("mentor-end-process-purposeful", "Our meetings had a clear purpose.", "process"),
            likert(
                "mentor-end-content-feedback",
                "I was able to give my mentee useful feedback.",
                "content",
            ),
            likert(
                "mentor-end-content-raise-issues",
                "My mentee raised the issues that mattered to them.",
                "content",
            ),
            likert(
                "mentor-end-content-challenge",
                "My mentee challenged my views when they saw things differently.",
                "content",
            ),
            likert("mentor-end-outcome-progress", "I saw my mentee make progress.", "outcome"),
            likert(
                "mentor-end-outcome-skills",
                "Mentoring developed my own skills, such as listening and giving feedback.",
                "outcome",
            ),
            likert(
                "mentor-end-outcome-networking",
                "Mentoring widened my own professional network.",
                "outcome",
            ),
            likert(
                "mentor-end-supported", "I felt supported in my role as a mentor.", "satisfaction"
            ),
            likert(
                "mentor-satisfaction-overall",
                "Overall, how satisfied were you with this mentoring?",
                "satisfaction",
                labels=SATISFIED,
            ),
            yes_no("mentor-would-mentor-again", "Would you mentor again?", "satisfaction"),
            free_text("mentor-end-improve", "What should the scheme do differently?"),
        ],
    },
]


def create_templates(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    Question = apps.get_model("surveys", "Question")
    SchemeSurveySchedule = apps.get_model("surveys", "SchemeSurveySchedule")
    for definition in TEMPLATES:
        first = SurveyTemplate.objects.filter(scheme=None, key=definition["key"], version=1).first()
        template, created = SurveyTemplate.objects.get_or_create(
            scheme=None,
            key=definition["key"],
            version=2,
            defaults={
                "name": definition["name"],
                "audience": definition["audience"],
                "introduction": definition["introduction"],
                "anonymous": True,
                "based_on": first,
            },
        )
        if not created:
            continue
        for position, question in enumerate(definition["questions"], start=1):
            Question.objects.create(
                template=template,
                position=position,
                code=question["code"],
                text=question["text"],
                help_text=question.get("help_text", ""),
                kind=question["kind"],
                domain=question["domain"],
                choices=question.get("choices", []),
                low_label=question.get("low_label", ""),
                high_label=question.get("high_label", ""),
            )
        if first is not None:
            SchemeSurveySchedule.objects.filter(template=first).update(template=template)


def remove_templates(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SchemeSurveySchedule = apps.get_model("surveys", "SchemeSurveySchedule")
    for definition in TEMPLATES:
        second = SurveyTemplate.objects.filter(
            scheme=None, key=definition["key"], version=2
        ).first()
        if second is None:
            continue
        SchemeSurveySchedule.objects.filter(template=second).update(template=second.based_on)
        if not second.invitations.exists():
            second.delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_default_templates")]

    operations = [migrations.RunPython(create_templates, remove_templates)]
