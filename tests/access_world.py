"""One world for the access matrix: the cast, and one of every object a URL can point at.

`world` is built from the project's cast fixtures (conftest.py) and the apps' factories, so it
stays consistent with what every app's own tests use. `url_args` turns a URL name into the
arguments that point it at the world's objects: the pair of `mentee` and `mentor`, their meeting
and its private note, the scheme of the trust `organisation`, and so on.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tests.factories import UnconfirmedUserFactory
from accounts.tokens import email_confirmation_token
from matching.models import MatchRound, MentorChoice, Proposal
from meetings.tests.factories import (
    AgreementFactory,
    GoalFactory,
    MeetingFactory,
    PlannedMeetingFactory,
    PrivateNoteFactory,
)
from schemes.models import CohortImport, Referral, TraineeListImport
from schemes.tests.factories import EnrolmentFactory
from schemes.tokens import opt_out_token
from supervision import recognition
from supervision.models import MentorFlag, TrainingBooking
from supervision.services import certificate_issue, training_record_create
from supervision.tests.factories import (
    PDF_BYTES,
    TrainingEventFactory,
    assign,
    session_with,
    verified_training,
)
from surveys.models import Moment
from surveys.tests.factories import builtin, invite, schedule_entry
from surveys.tokens import survey_link_token

# Text that only some members of the cast may ever see (checked on every page they open).
SUMMARY = "ACCESS-SHARED-SUMMARY"
MENTEE_NOTE = "ACCESS-MENTEE-PRIVATE-NOTE"
MENTOR_NOTE = "ACCESS-MENTOR-PRIVATE-NOTE"
GOAL = "ACCESS-GOAL-TEXT"
AGREEMENT = "ACCESS-AGREEMENT-TEXT"
REFERRAL_REASON = "ACCESS-REFERRAL-REASON"
SUPERVISOR_NOTES = "ACCESS-SUPERVISOR-NOTES"

CAST = (
    "anonymous",
    "mentee",
    "mentor",
    "other_trainee",
    "organiser",
    "other_organiser",
    "supervisor",
    "dme",
    "other_dme",
    "regional_lead",
    "superuser",
)


@dataclass
class World:
    people: dict
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError as error:
            raise AttributeError(name) from error


@pytest.fixture
def world(
    settings,
    tmp_path,
    scheme,
    other_scheme,
    mentee_enrolment,
    mentor_enrolment,
    pair,
    other_pair,
    organiser,
    other_organiser,
    supervisor,
    dme,
    other_dme,
    regional_lead,
    superuser,
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    mentee, mentor = pair.mentee, pair.mentor
    pair.created_at = pair.status_changed_at = timezone.now() - timedelta(days=60)
    pair.save(update_fields=["created_at", "status_changed_at"])

    # Inside the pair.
    meeting = MeetingFactory(pair=pair, summary=SUMMARY, logged_by=mentee)
    PrivateNoteFactory(meeting=meeting, author=mentee, text=MENTEE_NOTE)
    PrivateNoteFactory(meeting=meeting, author=mentor, text=MENTOR_NOTE)
    goal = GoalFactory(pair=pair, title=GOAL)
    AgreementFactory(pair=pair, working_on=AGREEMENT)
    planned = PlannedMeetingFactory(pair=pair)

    # The scheme's office: a confidential referral of the mentee, a cohort import, a round.
    scheme.accepts_referrals = True  # a scheme that takes none refuses the form up front
    scheme.save(update_fields=["accepts_referrals"])
    referral = Referral.objects.create(
        enrolment=mentee_enrolment, reason=REFERRAL_REASON, referred_by=dme
    )
    cohort_import = CohortImport.objects.create(
        scheme=scheme, uploaded_by=organiser, file_name="cohort.csv"
    )
    from reports.models import OutcomeImport

    outcome_import = OutcomeImport.objects.create(
        organisation=scheme.organisation, uploaded_by=dme, file_name="outcomes.csv"
    )
    trainee_list = TraineeListImport.objects.create(
        organisation=scheme.organisation,
        uploaded_by=dme,
        file_name="trainees.csv",
        as_of=timezone.localdate(),
    )
    waiting = EnrolmentFactory(scheme=scheme, user__email="waiting.mentee@example.nhs.uk")
    match_round = MatchRound.objects.create(
        scheme=scheme,
        started_by=organiser,
        status=MatchRound.Status.PROPOSED,
        forbidden=[[waiting.pk, mentor_enrolment.pk]],
    )
    Proposal.objects.create(
        match_round=match_round, mentee_enrolment=waiting, mentor_enrolment=mentor_enrolment
    )
    choice = MentorChoice.objects.create(
        mentee_enrolment=waiting,
        mentor_enrolment=mentor_enrolment,
        status=MentorChoice.Status.WAITING,
        offered_at=timezone.now(),
    )

    # Surveys: the mentee's invitation, and the scheme's schedule.
    invitation = invite(mentee, scheme)
    template = builtin("mentee-follow-up")
    entry = schedule_entry(
        scheme, moment=Moment.PERIODIC, audience=template.audience, key="mentee-follow-up"
    )

    # Supervision: the mentor's training (with an evidence file), an event they booked, a
    # session with the supervisor's notes, an open flag, and a certificate.
    assignment = assign(supervisor, mentor_enrolment)
    record = training_record_create(
        enrolment=mentor_enrolment,
        kind="formal_external",
        provider="A college",
        title="Mentoring course",
        completed_on=timezone.localdate(),
        hours=6,
        evidence=SimpleUploadedFile("cert.pdf", PDF_BYTES),
    )
    event = TrainingEventFactory(scheme=scheme)
    TrainingBooking.objects.create(event=event, enrolment=mentor_enrolment)
    session = session_with(
        supervisor,
        [mentor_enrolment],
        starts_at=timezone.now() + timedelta(days=7),
        supervisor_notes=SUPERVISOR_NOTES,
    )
    flag = MentorFlag.objects.create(
        scheme=scheme, mentor_enrolment=mentor_enrolment, session_ids=[session.pk]
    )
    verified_training(mentor_enrolment)
    with (
        mock.patch.object(recognition, "meetings_logged_by_mentor", return_value=3),
        mock.patch.object(recognition, "end_of_pair_survey_returned", return_value=True),
    ):
        certificate = certificate_issue(enrolment=mentor_enrolment)

    unconfirmed = UnconfirmedUserFactory(email="unconfirmed@example.nhs.uk")
    people = {
        "anonymous": None,
        "mentee": mentee,
        "mentor": mentor,
        "other_trainee": other_pair.mentee,
        "organiser": organiser,
        "other_organiser": other_organiser,
        "supervisor": supervisor,
        "dme": dme,
        "other_dme": other_dme,
        "regional_lead": regional_lead,
        "superuser": superuser,
    }
    return World(
        people=people,
        objects={
            "scheme": scheme,
            "other_scheme": other_scheme,
            "organisation": scheme.organisation,
            "region": scheme.organisation.region,
            "pair": pair,
            "mentee_enrolment": mentee_enrolment,
            "mentor_enrolment": mentor_enrolment,
            "waiting": waiting,
            "meeting": meeting,
            "goal": goal,
            "planned": planned,
            "referral": referral,
            "cohort_import": cohort_import,
            "outcome_import": outcome_import,
            "trainee_list": trainee_list,
            "match_round": match_round,
            "choice": choice,
            "invitation": invitation,
            "template": template,
            "entry": entry,
            "assignment": assignment,
            "record": record,
            "event": event,
            "session": session,
            "flag": flag,
            "certificate": certificate,
            "opt_out_token": opt_out_token(mentee_enrolment),
            "confirm_token": email_confirmation_token(unconfirmed),
            "survey_token": survey_link_token(invitation),
            "reset_uid": urlsafe_base64_encode(force_bytes(mentee.pk)),
            "reset_token": default_token_generator.make_token(mentee),
        },
    )


def url_args(name, w):
    """The path arguments that point URL `name` at the world's objects."""
    slug = w.scheme.slug
    pair = w.pair.pk
    table = {
        "accounts:confirm-email": [w.confirm_token],
        "accounts:sign-in": ["nhsmail"],
        "accounts:password-reset-confirm": [w.reset_uid, w.reset_token],
        "schemes:detail": [slug],
        "schemes:join-mentee": [slug],
        "schemes:join-mentor": [slug],
        "schemes:withdraw": [w.mentee_enrolment.pk],
        "schemes:opt-out": [w.opt_out_token],
        "schemes:edit": [slug],
        "schemes:people": [slug],
        "schemes:rotation-windows": [slug],
        "schemes:handover": [slug],
        "schemes:organiser-appoint": [slug],
        "schemes:scheme-interest": [w.organisation.slug],
        "schemes:enrolments": [slug],
        "schemes:enrolment-add": [slug],
        "schemes:enrolment-status": [slug, w.waiting.pk, "pause"],
        "schemes:referral-create": [slug],
        "schemes:referral-detail": [w.referral.pk],
        "schemes:cohort-upload": [slug],
        "schemes:cohort-from-list": [slug],
        "schemes:invite": [slug],
        "schemes:cohort-preview": [slug, w.cohort_import.pk],
        "schemes:cohort-confirm": [slug, w.cohort_import.pk],
        "schemes:trainee-list": [w.organisation.slug],
        "schemes:trainee-list-upload": [w.organisation.slug],
        "schemes:trainee-list-preview": [w.organisation.slug, w.trainee_list.pk],
        "schemes:trainee-list-confirm": [w.organisation.slug, w.trainee_list.pk],
        "matching:scheme": [slug],
        "matching:settings": [slug],
        "matching:round-start": [slug],
        "matching:round-detail": [slug, w.match_round.pk],
        "matching:round-progress": [slug, w.match_round.pk],
        "matching:round-change": [slug, w.match_round.pk, w.waiting.pk, "pin"],
        "matching:round-allow": [slug, w.match_round.pk, w.waiting.pk, w.mentor_enrolment.pk],
        "matching:round-swap": [slug, w.match_round.pk],
        "matching:round-approve": [slug, w.match_round.pk],
        "matching:round-discard": [slug, w.match_round.pk],
        "matching:pair-by-hand": [slug, w.waiting.pk],
        "matching:pair-by-hand-confirm": [slug, w.waiting.pk, w.mentor_enrolment.pk],
        "matching:suggestions": [w.mentee_enrolment.pk],
        "matching:choices-withdraw": [w.mentee_enrolment.pk],
        "matching:availability": [w.mentor_enrolment.pk],
        "matching:request-answer": [w.choice.pk, "decline"],
        "meetings:pair-detail": [pair],
        "meetings:agreement": [pair],
        "meetings:agreement-confirm": [pair],
        "meetings:goal-add": [pair],
        "meetings:goal-edit": [pair, w.goal.pk],
        "meetings:meeting-log": [pair],
        "meetings:meeting-detail": [pair, w.meeting.pk],
        "meetings:meeting-confirm": [pair, w.meeting.pk],
        "meetings:private-note": [pair, w.meeting.pk],
        "meetings:plan": [pair],
        "meetings:planned-edit": [pair, w.planned.pk],
        "meetings:planned-cancel": [pair, w.planned.pk],
        "meetings:planned-ics": [pair, w.planned.pk],
        "meetings:pair-pause": [pair],
        "meetings:pair-resume": [pair],
        "meetings:pair-end": [pair],
        "meetings:mentee-next-step": [pair],
        "meetings:pair-overview": [pair],
        "meetings:organiser-pairs": [slug],
        "meetings:scheme-messages": [slug],
        "meetings:scheme-message-new": [slug],
        "meetings:scheme-message-send": [slug],
        "surveys:answer": [w.survey_token],
        "surveys:scheme": [slug],
        "surveys:schedule-add": [slug],
        "surveys:schedule-update": [slug, w.entry.pk],
        "surveys:template-detail": [slug, w.template.pk],
        "surveys:template-adapt": [slug, w.template.pk],
        "surveys:scheme-results": [slug],
        "surveys:organisation-results": [w.organisation.slug],
        "supervision:training-add": [w.mentor_enrolment.pk],
        "supervision:certificate-issue": [w.mentor_enrolment.pk],
        "supervision:evidence": [w.record.pk],
        "supervision:event-book": [w.event.pk],
        "supervision:event-cancel": [w.event.pk],
        "supervision:session-schedule": [slug],
        "supervision:session": [w.session.pk],
        "supervision:session-attendance": [w.session.pk],
        "supervision:session-notes": [w.session.pk],
        "supervision:session-cancel": [w.session.pk],
        "supervision:session-change": [w.session.pk],
        "supervision:session-mentors": [w.session.pk],
        "supervision:session-apologies": [w.session.pk],
        "supervision:session-calendar": [w.session.pk],
        "supervision:certificate": [w.certificate.pk],
        "supervision:scheme": [slug],
        "supervision:records": [slug],
        "supervision:record-verify": [slug, w.record.pk],
        "supervision:record-reject": [slug, w.record.pk],
        "supervision:event-create": [slug],
        "supervision:event": [slug, w.event.pk],
        "supervision:event-attendance": [slug, w.event.pk],
        "supervision:event-change": [slug, w.event.pk],
        "supervision:event-cancel-event": [slug, w.event.pk],
        "supervision:assignment-add": [slug],
        "supervision:assignment-remove": [slug, w.assignment.pk],
        "supervision:flag-resolve": [slug, w.flag.pk],
        "supervision:recognition": [slug],
        "supervision:certificate-revoke": [slug, w.certificate.pk],
        "reports:provision": [w.region.slug],
        "reports:evaluation": [w.region.slug],
        "reports:trust-evaluation": [w.organisation.slug],
        "reports:scheme-dashboard": [slug],
        "reports:organisation-dashboard": [w.organisation.slug],
        "reports:provision-csv": [w.region.slug],
        "reports:provision-xlsx": [w.region.slug],
        "reports:research-extract-csv": [w.region.slug],
        "reports:research-extract-xlsx": [w.region.slug],
        "reports:outcomes": [w.organisation.slug],
        "reports:outcomes-upload": [w.organisation.slug],
        "reports:outcomes-preview": [w.organisation.slug, w.outcome_import.pk],
        "reports:outcomes-confirm": [w.organisation.slug, w.outcome_import.pk],
        "reports:outcomes-csv": [w.organisation.slug],
        "reports:outcomes-xlsx": [w.organisation.slug],
        "reports:enrolments-csv": [slug],
        "reports:enrolments-xlsx": [slug],
        "reports:organisation-print": [w.organisation.slug],
        "reports:scheme-dashboard-csv": [slug],
        "reports:scheme-dashboard-xlsx": [slug],
        "reports:organisation-dashboard-csv": [w.organisation.slug],
        "reports:organisation-dashboard-xlsx": [w.organisation.slug],
        "reports:scheme-survey-results-csv": [slug],
        "reports:scheme-survey-results-xlsx": [slug],
        "reports:organisation-survey-results-csv": [w.organisation.slug],
        "reports:organisation-survey-results-xlsx": [w.organisation.slug],
    }
    return table.get(name, [])
