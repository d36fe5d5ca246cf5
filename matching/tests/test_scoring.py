"""Soft criteria: points with the scheme's weights, and an explanation in words that adds up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Grade
from matching.models import MatchingSettings, MentorChoice
from matching.rules import Pool, availability_bits, availability_text, availability_words
from matching.scoring import explain, fit_only, scores, weights_for
from schemes.models import Enrolment


def explained(scheme, mentee, mentor):
    pool = Pool.load(scheme, [mentee])
    index = pool.mentors.index_of[mentor.pk]
    return explain(pool.mentees[0], pool.mentors.take([index]), weights_for(scheme))


def words_of(explanation):
    return {label: words for label, points, words in explanation}


def points_of(explanation):
    return {label: points for label, points, words in explanation}


@pytest.fixture
def mentee(scheme, make_mentee):
    return make_mentee(
        scheme,
        years=1,
        user={"specialty": "Psychiatry", "site": "Maudsley"},
        site="Maudsley",
        areas=["career", "exams", "wellbeing"],
        mentor_specialty_preference="same",
        prefers_same_site=True,
        meeting_mode="video",
        availability="Tuesday evenings",
    )


@pytest.fixture
def good_mentor(scheme, make_mentor):
    return make_mentor(
        scheme,
        years=3,
        user={"specialty": "psychiatry", "first_name": "Tom"},
        site="Maudsley",
        areas=["exams", "career", "portfolio"],
        meeting_mode="any",
        availability="weekday evenings",
    )


def test_the_explanation_says_in_words_why_this_mentor_fits(scheme, mentee, good_mentor):
    score, explanation = explained(scheme, mentee, good_mentor)
    words = words_of(explanation)

    assert words["Specialty"] == "The same specialty as the mentee (psychiatry), as they asked"
    assert words["Site"] == "Works at the same site (Maudsley), as the mentee prefers"
    assert words["Goals and experience"] == (
        "Experience in 2 of the mentee's 3 areas: Career planning, Exams"
    )
    assert words["Distance in training"] == (
        "2 years ahead in training: the ideal distance for a peer"
    )
    assert words["Meeting mode and times"] == (
        "Both happy to meet by video call; both free: Tuesday evenings"
    )


def test_points_follow_the_schemes_weights_and_add_up_to_the_score(scheme, mentee, good_mentor):
    score, explanation = explained(scheme, mentee, good_mentor)
    points = points_of(explanation)
    defaults = MatchingSettings(scheme=scheme)

    assert points["Specialty"] == defaults.weight_specialty
    assert points["Site"] == defaults.weight_site
    assert points["Goals and experience"] == round(defaults.weight_goals * 2 / 3, 2)
    assert points["Distance in training"] == defaults.weight_grade_distance
    assert points["Meeting mode and times"] == defaults.weight_availability
    assert score == pytest.approx(sum(points.values()))


def test_an_organiser_tunes_the_weights_per_scheme(scheme, mentee, good_mentor):
    before, _ = explained(scheme, mentee, good_mentor)
    MatchingSettings.objects.create(scheme=scheme, weight_specialty=10, weight_site=0)

    after, explanation = explained(scheme, mentee, good_mentor)

    assert points_of(explanation)["Specialty"] == 10
    assert "Site" not in points_of(explanation), "a criterion weighted 0 is not counted or shown"
    defaults = MatchingSettings(scheme=scheme)
    assert after == pytest.approx(before + 10 - defaults.weight_specialty - defaults.weight_site)


def test_a_preference_that_was_not_met_is_explained_with_no_points(scheme, mentee, make_mentor):
    mentor = make_mentor(
        scheme, years=3, user={"specialty": "Surgery"}, site="Denmark Hill", meeting_mode="phone"
    )
    _, explanation = explained(scheme, mentee, mentor)
    words, points = words_of(explanation), points_of(explanation)

    assert words["Specialty"] == (
        "A different specialty (Surgery), though the mentee asked for their own"
    )
    assert points["Specialty"] == 0
    assert (
        words["Site"] == "Works at another site (Denmark Hill), though the mentee prefers their own"
    )
    assert words["Meeting mode and times"].startswith("Prefer different ways to meet")


def test_a_mentee_with_no_preference_gets_no_specialty_or_site_line(
    scheme, make_mentee, good_mentor
):
    mentee = make_mentee(scheme, years=1, mentor_specialty_preference="any")
    _, explanation = explained(scheme, mentee, good_mentor)
    assert "Specialty" not in words_of(explanation)
    assert "Site" not in words_of(explanation)


@pytest.mark.parametrize(
    ("mentor_years", "fraction", "text"),
    [
        (2, 1, "1 year ahead in training: the ideal distance for a peer"),
        (3, 1, "2 years ahead in training: the ideal distance for a peer"),
        (4, 0.5, "3 years ahead in training (the ideal is 1–2)"),
        (5, 0.25, "4 years ahead in training (the ideal is 1–2)"),
        (8, 0, "7 years ahead in training (the ideal is 1–2)"),
    ],
)
def test_a_mentor_one_or_two_years_ahead_scores_best(
    scheme, make_mentee, make_mentor, mentor_years, fraction, text
):
    mentee = make_mentee(scheme, years=1)
    mentor = make_mentor(scheme, years=mentor_years)
    _, explanation = explained(scheme, mentee, mentor)
    assert words_of(explanation)["Distance in training"] == text
    assert points_of(explanation)["Distance in training"] == 3 * fraction


def test_a_consultant_is_explained_as_senior_not_a_peer(scheme, make_mentee, make_mentor):
    scheme.mentors_may_be_consultants = True
    scheme.save()
    mentee = make_mentee(scheme)
    consultant = make_mentor(scheme, years=15, user={"grade": Grade.CONSULTANT})
    _, explanation = explained(scheme, mentee, consultant)
    assert words_of(explanation)["Distance in training"] == (
        "A consultant rather than a trainee peer"
    )
    assert points_of(explanation)["Distance in training"] == 0


def test_the_mentees_own_ranking_adds_points_first_choice_most(
    scheme, mentee, good_mentor, make_mentor
):
    second = make_mentor(scheme, years=3)
    MentorChoice.objects.create(
        mentee_enrolment=mentee, mentor_enrolment=good_mentor, rank=1, status="expired"
    )
    MentorChoice.objects.create(
        mentee_enrolment=mentee, mentor_enrolment=second, rank=2, status="withdrawn"
    )
    _, first_explanation = explained(scheme, mentee, good_mentor)
    _, second_explanation = explained(scheme, mentee, second)

    assert words_of(first_explanation)["Mentee's ranking"] == "The mentee's 1st choice"
    assert points_of(first_explanation)["Mentee's ranking"] == 5
    assert words_of(second_explanation)["Mentee's ranking"] == "The mentee's 2nd choice"
    assert points_of(second_explanation)["Mentee's ranking"] == 4


def test_mentees_who_waited_longer_score_higher(scheme, make_mentee, good_mentor):
    new = make_mentee(scheme, years=1)
    waited = make_mentee(scheme, years=1, waiting_since=timezone.now() - timedelta(days=45))

    new_score, _ = explained(scheme, new, good_mentor)
    waited_score, explanation = explained(scheme, waited, good_mentor)

    assert words_of(explanation)["Time waiting"] == "Waiting for a mentor for 45 days"
    assert points_of(explanation)["Time waiting"] == 1.0  # half of the full bonus at 90 days
    assert waited_score > new_score


def test_a_rematch_outscores_any_first_match(scheme, make_mentee, make_mentor, good_mentor, mentee):
    poor_fit = make_mentor(scheme, years=9)
    rematch = make_mentee(scheme, years=1, rematch_priority=True)
    Enrolment.objects.filter(pk=rematch.pk).update(rematch_priority=True)
    rematch.refresh_from_db()

    best_first_match, _ = explained(scheme, mentee, good_mentor)
    rematch_score, explanation = explained(scheme, rematch, poor_fit)

    assert rematch_score > best_first_match
    assert words_of(explanation)["Re-match"] == (
        "Asked for a new mentor after a pair ended, so matched first"
    )
    assert fit_only(explanation) == [
        entry for entry in explanation if entry[0] not in ("Re-match", "Time waiting")
    ]


def test_scoring_many_mentors_at_once_gives_the_same_scores_as_one_at_a_time(
    scheme, mentee, good_mentor, make_mentor
):
    others = [make_mentor(scheme, years=years) for years in (2, 4, 6)]
    pool = Pool.load(scheme, [mentee])
    weights = weights_for(scheme)
    together = scores(pool.mentees[0], pool.mentors, weights)
    for enrolment in [good_mentor, *others]:
        index = pool.mentors.index_of[enrolment.pk]
        alone, _ = explain(pool.mentees[0], pool.mentors.take([index]), weights)
        assert together[index] == pytest.approx(alone)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Tuesday evenings", ["tuesday", "evening"]),
        (
            "weekday lunchtimes",
            ["monday", "tuesday", "wednesday", "thursday", "friday", "lunchtime"],
        ),
        ("Weekends", ["saturday", "sunday"]),
        ("", []),
        ("whenever suits", []),
    ],
)
def test_availability_is_read_from_what_people_wrote(text, words):
    assert availability_words(availability_bits(text)) == words


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Tuesday evenings", "Tuesday evenings"),
        ("tue or thu lunch", "Tuesday, Thursday lunchtimes"),
        ("any time", "any time"),
        ("mornings", "mornings"),
    ],
)
def test_shared_times_are_explained_as_people_say_them(text, said):
    assert availability_text(availability_bits(text)) == said


def test_a_block_of_mentees_gets_the_rules_scores_and_words_each_gets_alone(
    scheme, make_mentee, make_mentor
):
    """A round applies the rules and scores to blocks of mentees at once; each row must be what
    that mentee alone gets, whatever the others' exclusions, supervisors and rankings."""
    from matching.models import Exclusion
    from matching.rules import MenteeBlock
    from matching.scoring import explain_pairs, score_matrix

    scheme.asks_mentor_gender_preference = True
    scheme.save()
    specialties = ["Psychiatry", "Surgery", ""]
    mentors = [
        make_mentor(
            scheme,
            years=2 + number % 5,
            capacity=1 + number % 3,
            site=["Maudsley", "Bethlem", ""][number % 3],
            meeting_mode=["any", "video", "in_person"][number % 3],
            availability=["Tuesday evenings", "weekends", ""][number % 3],
            areas=[["career"], ["wellbeing", "exams"], []][number % 3],
            user={"gender": ["woman", "man"][number % 2], "specialty": specialties[number % 3]},
        )
        for number in range(9)
    ]
    mentees = [
        make_mentee(
            scheme,
            years=number % 3,
            mentor_specialty_preference=["same", "different", "any"][number % 3],
            prefers_same_site=number % 2 == 0,
            site=["Maudsley", "Bethlem"][number % 2],
            meeting_mode=["any", "phone", "video"][number % 3],
            availability=["Tuesday", "weekend mornings", ""][number % 3],
            areas=[["career", "exams"], [], ["wellbeing"]][number % 3],
            mentor_gender_preference=["", "woman", "man", ""][number % 4],
            user={"specialty": specialties[number % 3]},
        )
        for number in range(7)
    ]
    mentees[0].educational_supervisor_email = mentors[1].user.email
    mentees[0].save()
    Exclusion.objects.create(
        mentee_enrolment=mentees[2], excluded_user=mentors[0].user, reason="mentee"
    )
    for rank, mentor in enumerate(mentors[3:6], start=1):
        MentorChoice.objects.create(
            mentee_enrolment=mentees[4], mentor_enrolment=mentor, rank=rank, status="lapsed"
        )
    pool = Pool.load(scheme, mentees)
    weights = weights_for(scheme)
    coded = pool.open_mentors.coded()
    block = MenteeBlock(pool.mentees, coded.vocabulary)

    allowed = pool.allowed(block, coded)
    matrix = score_matrix(block, coded, weights)

    for row, mentee in enumerate(pool.mentees):
        assert allowed[row].tolist() == pool.eligible_among_open(mentee).tolist()
        assert (matrix[row] / 100).tolist() == scores(mentee, pool.open_mentors, weights).tolist()
    assert not allowed[0, coded.index_of[mentors[1].pk]]  # the supervisor
    assert not allowed[2, coded.index_of[mentors[0].pk]]  # the exclusion
    assert allowed.sum() > len(pool.mentees)  # most pairs allowed, as in a real scheme
    pairs_mentors = pool.open_mentors.take(list(range(len(pool.mentees))))
    for mentee, together in zip(
        pool.mentees, explain_pairs(pool.mentees, pairs_mentors, weights), strict=True
    ):
        alone = explain(mentee, pool.open_mentors.take([pool.mentees.index(mentee)]), weights)
        assert together == alone
    ranked = explain(
        pool.mentees[4], pool.open_mentors.take([coded.index_of[mentors[3].pk]]), weights
    )
    assert "The mentee's 1st choice" in words_of(ranked[1]).values()
