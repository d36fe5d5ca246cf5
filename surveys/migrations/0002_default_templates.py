"""The built-in survey templates, on the seed's evaluation framework (Grainger):

- process: clear objectives; regular, purposeful meetings
- content: feedback; the mentee could raise issues and challenge the mentor
- outcome: progress and career development; networking

plus confidence and wellbeing items asked at baseline and again at each follow-up (`is_repeated`),
so that change can be measured. The wording is frozen here, as a migration must be: a later
change is a new version in a new migration, never an edit of this one.
"""

from django.db import migrations

AGREE = ("Strongly disagree", "Strongly agree")
SATISFIED = ("Very dissatisfied", "Very satisfied")
WELLBEING = ("Very poor", "Very good")


def likert(code, text, domain, labels=AGREE, repeated=False, help_text=""):
    return {
        "code": code,
        "text": text,
        "kind": "likert",
        "domain": domain,
        "low_label": labels[0],
        "high_label": labels[1],
        "is_repeated": repeated,
        "help_text": help_text,
    }


def yes_no(code, text, domain):
    return {"code": code, "text": text, "kind": "yes_no", "domain": domain}


def single(code, text, domain, choices):
    return {
        "code": code,
        "text": text,
        "kind": "single_choice",
        "domain": domain,
        "choices": choices,
    }


def multiple(code, text, domain, choices):
    return {
        "code": code,
        "text": text,
        "kind": "multiple_choice",
        "domain": domain,
        "choices": choices,
    }


def free_text(code, text, domain="satisfaction"):
    return {
        "code": code,
        "text": text,
        "kind": "short_text",
        "domain": domain,
        "help_text": "Optional. Please do not name anyone.",
    }


# Asked at the match and again at every follow-up: the same code and wording every time.
REPEATED = [
    likert(
        "confidence-career",
        "I feel confident about the next steps in my career.",
        "outcome",
        repeated=True,
    ),
    likert(
        "confidence-challenges",
        "I feel confident dealing with the challenges of my current post.",
        "outcome",
        repeated=True,
    ),
    likert(
        "confidence-network",
        "I know people outside my own team whom I could ask for advice.",
        "outcome",
        repeated=True,
    ),
    likert(
        "wellbeing-overall",
        "How would you rate your wellbeing at work at the moment?",
        "wellbeing",
        labels=WELLBEING,
        repeated=True,
    ),
    likert("wellbeing-supported", "I feel supported at work.", "wellbeing", repeated=True),
]

MEETINGS = ["None", "Once", "2 or 3 times", "4 times or more"]

MENTEE_PAIR_ITEMS = [
    likert(
        "process-objectives",
        "My mentor and I agreed clear objectives for our mentoring.",
        "process",
    ),
    likert("process-regular", "We meet regularly.", "process"),
    likert("process-purposeful", "Our meetings have a clear purpose.", "process"),
    likert("content-feedback", "My mentor gives me useful feedback.", "content"),
    likert("content-raise-issues", "I can raise any issue with my mentor.", "content"),
    likert("content-challenge", "I feel able to challenge my mentor's views.", "content"),
    likert("outcome-progress", "Mentoring has helped my progress in training.", "outcome"),
    likert("outcome-career", "Mentoring has helped me develop my career plans.", "outcome"),
    likert(
        "outcome-networking",
        "Through mentoring I have got to know people who help my work or career.",
        "outcome",
    ),
]

MENTOR_PAIR_ITEMS = [
    likert("mentor-process-objectives", "My mentee and I agreed clear objectives.", "process"),
    likert("mentor-process-regular", "We meet regularly.", "process"),
    likert("mentor-process-purposeful", "Our meetings have a clear purpose.", "process"),
    likert("mentor-content-feedback", "I am able to give my mentee useful feedback.", "content"),
    likert(
        "mentor-content-raise-issues",
        "My mentee raises the issues that matter to them.",
        "content",
    ),
    likert(
        "mentor-content-challenge",
        "My mentee challenges my views when they see things differently.",
        "content",
    ),
    likert("mentor-outcome-progress", "I see my mentee making progress.", "outcome"),
    likert(
        "mentor-outcome-skills",
        "Mentoring is developing my own skills, such as listening and giving feedback.",
        "outcome",
    ),
    likert(
        "mentor-outcome-networking", "Mentoring has widened my own professional network.", "outcome"
    ),
    likert("mentor-supported", "I feel supported in my role as a mentor.", "satisfaction"),
]

TEMPLATES = [
    {
        "key": "mentee-baseline",
        "name": "Mentee survey: at the start",
        "audience": "mentee",
        "introduction": (
            "You have just been matched with a mentor. These questions take about three minutes. "
            "We ask some of them again in a few months, to see whether mentoring makes a "
            "difference. Your answers are stored without your name: nobody, including your "
            "mentor and the organisers, can see what you answered."
        ),
        "questions": REPEATED
        + [
            multiple(
                "baseline-hopes",
                "What would you most like to get from mentoring?",
                "process",
                [
                    "Career planning",
                    "Exams",
                    "Portfolio and ARCP",
                    "Wellbeing",
                    "Work–life balance",
                    "Settling into a new post",
                    "Someone to talk to",
                ],
            ),
            free_text(
                "baseline-anything-else", "Anything else you would like the organisers to know?"
            ),
        ],
    },
    {
        "key": "mentee-follow-up",
        "name": "Mentee survey: how is it going?",
        "audience": "mentee",
        "introduction": (
            "A few months into your mentoring: how is it going? About five minutes. Your answers "
            "are stored without your name, and results are only ever shown for groups of five "
            "or more people."
        ),
        "questions": [
            single(
                "process-meetings-count",
                "How many times have you met your mentor in the last three months?",
                "process",
                MEETINGS,
            )
        ]
        + MENTEE_PAIR_ITEMS
        + REPEATED
        + [
            likert(
                "satisfaction-overall",
                "How satisfied are you with your mentoring so far?",
                "satisfaction",
                labels=SATISFIED,
            ),
            yes_no(
                "satisfaction-recommend",
                "Would you recommend the scheme to a colleague?",
                "satisfaction",
            ),
            free_text("follow-up-improve", "What would make mentoring more useful for you?"),
        ],
    },
    {
        "key": "mentee-end-of-pair",
        "name": "Mentee survey: looking back",
        "audience": "mentee",
        "introduction": (
            "Your mentoring has come to an end. Looking back, how was it? About four minutes. "
            "Your answers are stored without your name."
        ),
        "questions": MENTEE_PAIR_ITEMS
        + [
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
            single(
                "satisfaction-another-mentor",
                "Would you like another mentor?",
                "satisfaction",
                ["Yes, now", "Maybe later", "No, thank you"],
            ),
            free_text("end-most-useful", "What was the most useful thing about your mentoring?"),
            free_text("end-improve", "What should the scheme do differently?"),
        ],
    },
    {
        "key": "mentor-follow-up",
        "name": "Mentor survey: how is it going?",
        "audience": "mentor",
        "introduction": (
            "A few months into mentoring: how is it going for you? About four minutes. Your "
            "answers are stored without your name."
        ),
        "questions": [
            single(
                "mentor-process-meetings-count",
                "How many times have you met your mentee in the last three months?",
                "process",
                MEETINGS,
            )
        ]
        + MENTOR_PAIR_ITEMS
        + [
            likert(
                "mentor-satisfaction-overall",
                "How satisfied are you with being a mentor?",
                "satisfaction",
                labels=SATISFIED,
            ),
            free_text("mentor-support-wanted", "What support would help you as a mentor?"),
        ],
    },
    {
        "key": "mentor-end-of-pair",
        "name": "Mentor survey: looking back",
        "audience": "mentor",
        "introduction": (
            "One of your mentoring pairs has come to an end. Looking back, how was it? About four "
            "minutes. Your answers are stored without your name."
        ),
        "questions": MENTOR_PAIR_ITEMS
        + [
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
    for definition in TEMPLATES:
        template, created = SurveyTemplate.objects.get_or_create(
            scheme=None,
            key=definition["key"],
            version=1,
            defaults={
                "name": definition["name"],
                "audience": definition["audience"],
                "introduction": definition["introduction"],
                "anonymous": True,
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
                is_repeated=question.get("is_repeated", False),
            )


def remove_templates(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyTemplate.objects.filter(
        scheme=None, version=1, key__in=[definition["key"] for definition in TEMPLATES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create_templates, remove_templates)]
