"""Who may join a scheme as a mentee or a mentor, with a reason a person can act on when not."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Grade

from .models import TRAINEE_GRADES, Enrolment, MenteeEligibility, years_in_training


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


ALLOWED = Decision(True)


def _already_enrolled(scheme, user, role):
    return Enrolment.objects.current().filter(scheme=scheme, user=user, role=role).exists()


def _other_role_conflict(scheme, user, role):
    other = Enrolment.Role.MENTOR if role == Enrolment.Role.MENTEE else Enrolment.Role.MENTEE
    if scheme.allows_mentee_and_mentor or not _already_enrolled(scheme, user, other):
        return None
    return Decision(
        False,
        f"You are already a {other.label.lower()} in this scheme, and it does not let one person "
        "be both. You can join another scheme in that role instead.",
    )


def _trusts_text(scheme):
    """The host trust, and for a scheme run for several trusts its partners too."""
    names = [scheme.organisation.name]
    names += sorted(organisation.name for organisation in scheme.partner_organisations.all())
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _common(scheme, user, role):
    """The refusal that applies to either role, or None."""
    if not scheme.is_open:
        return Decision(False, "This scheme is closed to new enrolments at the moment.")
    if not scheme.serves(user.organisation_id):
        return Decision(
            False,
            f"This scheme is for staff of {_trusts_text(scheme)}. If you work there now, "
            "set it as your organisation in your profile.",
        )
    if _already_enrolled(scheme, user, role):
        return Decision(False, f"You are already enrolled as a {role.label.lower()} here.")
    return _other_role_conflict(scheme, user, role)


def mentee_decision(scheme, user):
    refusal = _common(scheme, user, Enrolment.Role.MENTEE)
    if refusal is not None:
        return refusal
    if user.grade not in TRAINEE_GRADES:
        return Decision(
            False,
            "Mentees are doctors in training (FY1 to ST8). Update your grade "
            "in your profile if it has changed.",
        )
    if scheme.mentee_eligibility == MenteeEligibility.CHOSEN:
        if scheme.eligible_grades and user.grade not in scheme.eligible_grades:
            return Decision(
                False,
                f"This scheme is for {', '.join(scheme.eligible_grades)} trainees; your profile "
                f"says {user.grade}.",
            )
        wanted = {specialty.lower() for specialty in scheme.eligible_specialties}
        if wanted and user.specialty.strip().lower() not in wanted:
            return Decision(
                False,
                f"This scheme is for trainees in {', '.join(scheme.eligible_specialties)}; your "
                f"profile says {user.specialty or 'no specialty'}.",
            )
    return ALLOWED


def mentor_decision(scheme, user, on=None):
    refusal = _common(scheme, user, Enrolment.Role.MENTOR)
    if refusal is not None:
        return refusal
    grade = user.grade
    if grade in TRAINEE_GRADES:
        if not scheme.grade_may_mentor(grade):
            return Decision(False, "This scheme's mentors are senior staff, not trainees.")
        years = years_in_training(user, on or timezone.localdate())
        needed = scheme.mentor_min_years_in_training
        if years < needed:
            started = (
                f"you started training on {user.training_started_on:%d %B %Y}"
                if user.training_started_on
                else "your profile has no training start date"
            )
            return Decision(
                False,
                f"Mentors in this scheme need at least {needed} year{'s' if needed != 1 else ''} "
                f"in training; {started}. You could join as a mentee, or as a mentor later.",
            )
        return ALLOWED
    if not grade:
        return Decision(False, "Add your grade to your profile so we can check you can mentor.")
    if not scheme.grade_may_mentor(grade):
        return Decision(
            False,
            f"This is a peer scheme: its mentors are trainees, so {Grade(grade).label.lower()}s "
            "cannot mentor in it.",
        )
    return ALLOWED
