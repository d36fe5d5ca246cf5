"""Write the South London demo region (`demo.plan`). Safe to run again: what is already there is
left alone."""

from collections import Counter
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from schemes.eligibility import mentee_decision, mentor_decision
from schemes.models import (
    Enrolment,
    IntakeWindow,
    Organisation,
    OrganisationRole,
    Placement,
    Referral,
    Region,
    RegionRole,
    Scheme,
    SchemeRole,
    TraineeListImport,
)
from schemes.services import scheme_create, scheme_role_appoint

from . import plan as demo

KINDS = [
    ("region", "regions"),
    ("organisation", "organisations"),
    ("user", "users"),
    ("scheme", "schemes"),
    ("intake window", "intake windows"),
    ("role", "roles"),
    ("enrolment", "enrolments"),
    ("referral", "referrals"),
    ("trainee list", "trainee lists"),
    ("placement", "placements"),
]


class Tally:
    def __init__(self):
        self.created = Counter()
        self.existing = Counter()
        self.refused = []

    def add(self, kind, created, count=1):
        (self.created if created else self.existing)[kind] += count

    def _describe(self, counter):
        parts = [
            f"{counter[singular]} {singular if counter[singular] == 1 else plural}"
            for singular, plural in KINDS
            if counter[singular]
        ]
        return ", ".join(parts) or "nothing"

    def summary(self):
        line = (
            f"Demo data for {demo.REGION['name']}: created {self._describe(self.created)}; "
            f"already there: {self._describe(self.existing)}."
        )
        if self.refused:
            line += f" Skipped {len(self.refused)} enrolment(s) the rules refuse: {self.refused[0]}"
        return line + f" Demo password: {demo.DEMO_PASSWORD}"


def demo_region_load(*, now=None, today=None):
    """Load the demo region (South London as the seed survey found it): ten trusts, eight schemes,
    a few hundred trainees on the trusts' trainee lists (accounts only for those who enrolled and
    for staff) and one login per role. Returns the tally; running it again adds nothing."""
    loader = DemoLoader(now=now or timezone.now(), today=today or timezone.localdate())
    with transaction.atomic():
        return loader.load()


class DemoLoader:
    """Write `demo.demo_plan()`, creating only what is missing (looked up by slug or email)."""

    def __init__(self, *, now, today):
        self.now = now
        self.today = today
        self.plan = demo.demo_plan()
        self.tally = Tally()

    def load(self):
        region = self._region()
        organisations = self._organisations(region)
        users = self._users(organisations)
        schemes = self._schemes(organisations, users)
        self._intake_windows(schemes)
        self._people_roles(region, organisations, users)
        created = self._enrolments(schemes, users)
        self._referrals(schemes, users, created)
        self._trainee_lists(organisations, users)
        return self.tally

    def _region(self):
        region, created = Region.objects.get_or_create(
            slug=demo.REGION["slug"], defaults={"name": demo.REGION["name"]}
        )
        self.tally.add("region", created)
        return region

    def _organisations(self, region):
        organisations = {}
        for row in demo.ORGANISATIONS:
            organisation, created = Organisation.objects.get_or_create(
                slug=row["slug"],
                defaults={
                    "region": region,
                    "name": row["name"],
                    "short_name": row["short_name"],
                    "email_domains": row["email_domains"],
                    "reported_difficulties": row["reported_difficulties"],
                },
            )
            self.tally.add("organisation", created)
            organisations[row["slug"]] = organisation
        return organisations

    def _users(self, organisations):
        """Create the missing accounts in one insert, all with one password hash.

        Only the people the plan gives an account (`demo.plan._with_accounts`): in a trust with
        a trainee list, a trainee who never enrolled is on the list only. Hashing is
        deliberately slow (that is its job), so the demo password is hashed once and the hash
        shared: every demo account still logs in with the same password.
        """
        holders = self.plan.account_holders
        emails = [person.email for person in holders]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        missing = [person for person in holders if person.email not in existing]
        if missing:
            password = make_password(demo.DEMO_PASSWORD)
            User.objects.bulk_create(
                [self._user(person, organisations, password) for person in missing],
                batch_size=500,
            )
        self.tally.add("user", True, len(missing))
        self.tally.add("user", False, len(existing))
        return {user.email: user for user in User.objects.filter(email__in=emails)}

    def _user(self, person, organisations, password):
        is_admin = person.role == "admin"
        started = (
            demo.training_started_on(person.years_in_training, self.today)
            if person.years_in_training is not None
            else None
        )
        return User(
            email=person.email,
            password=password,
            first_name=person.first_name,
            last_name=person.last_name,
            gender=person.gender,
            grade=person.grade,
            specialty=person.specialty,
            organisation=organisations.get(person.organisation),
            site=person.site,
            training_started_on=started,
            email_confirmed_at=self.now,
            is_staff=is_admin,
            is_superuser=is_admin,
        )

    def _schemes(self, organisations, users):
        """Create each missing scheme through the service, which appoints its first organiser."""
        schemes = {}
        for row in demo.SCHEMES:
            organisers = self.plan.with_role("organiser", row["organisation"])
            supervisors = self.plan.with_role("supervisor", row["organisation"])
            first_organiser = users[organisers[0].email]
            scheme = Scheme.objects.filter(slug=row["slug"]).first()
            self.tally.add("scheme", scheme is None)
            if scheme is None:
                scheme = scheme_create(
                    organisation=organisations[row["organisation"]],
                    name=row["name"],
                    slug=row["slug"],
                    created_by=first_organiser,
                    description=row["description"],
                    **row["settings"],
                )
                self.tally.add("role", True)
            else:
                self._appoint(scheme, first_organiser, SchemeRole.Role.ORGANISER, first_organiser)
            for person in organisers[1:]:
                self._appoint(
                    scheme, users[person.email], SchemeRole.Role.ORGANISER, first_organiser
                )
            for person in supervisors:
                self._appoint(
                    scheme, users[person.email], SchemeRole.Role.SUPERVISOR, first_organiser
                )
            schemes[row["slug"]] = scheme
        return schemes

    def _appoint(self, scheme, user, role, appointed_by):
        _, created = scheme_role_appoint(
            scheme=scheme, user=user, role=role, appointed_by=appointed_by
        )
        self.tally.add("role", created)

    def _intake_windows(self, schemes):
        """Keep sign-up open: a window open today, the next one, and the last rotation's."""
        previous, current, upcoming = demo.intake_windows(self.today)
        for scheme in schemes.values():
            windows = scheme.intake_windows.all()
            wanted = [
                (current, not windows.filter(opens_on__lte=self.today, closes_on__gte=self.today)),
                (upcoming, not windows.filter(opens_on__gt=self.today)),
                (previous, not windows.filter(closes_on__lt=self.today)),
            ]
            for (label, opens_on, closes_on), missing in wanted:
                if missing:
                    IntakeWindow.objects.create(
                        scheme=scheme, label=label, opens_on=opens_on, closes_on=closes_on
                    )
                self.tally.add("intake window", missing)

    def _people_roles(self, region, organisations, users):
        for person in self.plan.with_role("dme"):
            _, created = OrganisationRole.objects.get_or_create(
                organisation=organisations[person.organisation],
                user=users[person.email],
                role=OrganisationRole.Role.DME,
            )
            self.tally.add("role", created)
        for person in self.plan.with_role("regional_lead"):
            _, created = RegionRole.objects.get_or_create(
                region=region, user=users[person.email], role=RegionRole.Role.REGIONAL_LEAD
            )
            self.tally.add("role", created)

    def _enrolments(self, schemes, users):
        """Insert the missing enrolments in one go, each checked by the eligibility rules first.

        An enrolment already there in any status (even withdrawn) is left alone, so a demo user
        who leaves a scheme is not put back by the next `make run`. Returns the created
        enrolments keyed by (scheme slug, email, role).
        """
        existing = set(
            Enrolment.objects.filter(scheme__in=schemes.values()).values_list(
                "scheme__slug", "user__email", "role"
            )
        )
        new = {}
        for index, planned in enumerate(self.plan.enrolments):
            key = (planned.scheme, planned.email, planned.role)
            if key in existing:
                self.tally.add("enrolment", False)
                continue
            scheme, user = schemes[planned.scheme], users[planned.email]
            decide = mentee_decision if planned.role == Enrolment.Role.MENTEE else mentor_decision
            decision = decide(scheme, user)
            if not decision:
                self.tally.refused.append(f"{user.email} in {scheme.slug}: {decision.reason}")
                continue
            # Spread the times of day so lists do not show a run of identical timestamps.
            created_at = self.now - timedelta(days=planned.days_ago, minutes=(index * 37) % 600)
            changed_at = (
                self.now - timedelta(days=planned.status_changed_days_ago)
                if planned.status_changed_days_ago is not None
                else created_at
            )
            consented = planned.source in (Enrolment.Source.SELF, Enrolment.Source.REQUEST)
            new[key] = Enrolment(
                scheme=scheme,
                user=user,
                role=planned.role,
                status=planned.status,
                source=planned.source,
                created_at=created_at,
                waiting_since=created_at,
                status_changed_at=max(changed_at, created_at),
                withdrawal_reason=planned.withdrawal_reason,
                consent_given_at=created_at if consented else None,
                **planned.answers,
            )
        Enrolment.objects.bulk_create(new.values(), batch_size=500)
        self.tally.add("enrolment", True, len(new))
        return new

    def _referrals(self, schemes, users, created):
        """Referrals for the new referred enrolments, written directly rather than through
        services.referral_create, which would email each (fictional) trainee."""
        referrals = []
        for planned in self.plan.enrolments:
            enrolment = created.get((planned.scheme, planned.email, planned.role))
            if enrolment is None or not planned.referral_reason:
                continue
            organiser = self.plan.with_role("organiser", schemes[planned.scheme].organisation.slug)
            referrals.append(
                Referral(
                    enrolment=enrolment,
                    reason=planned.referral_reason,
                    referred_by=users[organiser[0].email],
                    created_at=enrolment.created_at,
                )
            )
        Referral.objects.bulk_create(referrals)
        self.tally.add("referral", True, len(referrals))
        existing = Referral.objects.filter(enrolment__scheme__in=schemes.values()).count()
        self.tally.add("referral", False, existing - len(referrals))

    def _trainee_lists(self, organisations, users):
        """Each listed trust's trainee list as if its DME had imported it at the latest August
        changeover: one confirmed `TraineeListImport` and its placements, linked to the accounts
        with their addresses. A trust with a confirmed list already (the demo's, or one a DME
        imported since) is left alone."""
        as_of = demo.rotation_on(0, self.today)
        listed = set(
            TraineeListImport.objects.filter(
                organisation__slug__in=self.plan.listed_organisations, confirmed_at__isnull=False
            ).values_list("organisation__slug", flat=True)
        )
        accounts = dict(
            User.objects.filter(
                email__in=[row.email for row in self.plan.placements if row.has_account]
            ).values_list("email", "pk")
        )
        placements = []
        for slug in self.plan.listed_organisations:
            self.tally.add("trainee list", slug not in listed)
            if slug in listed:
                continue
            rows = [row for row in self.plan.placements if row.organisation == slug]
            trainee_list = self._trainee_list(organisations[slug], users, rows, as_of)
            placements += [
                self._placement(row, trainee_list, accounts.get(row.email)) for row in rows
            ]
        Placement.objects.bulk_create(placements, batch_size=500)
        self.tally.add("placement", True, len(placements))

    def _trainee_list(self, organisation, users, rows, as_of):
        imported = min(self.now, timezone.make_aware(datetime.combine(as_of, time(10, 0))))
        dme = self.plan.with_role("dme", organisation.slug)[0]
        return TraineeListImport.objects.create(
            organisation=organisation,
            as_of=as_of,
            uploaded_by=users[dme.email],
            file_name=f"tis-export-{organisation.slug}-{as_of:%Y-%m}.csv",
            created_at=imported,
            confirmed_at=imported,
            joiner_count=sum(1 for row in rows if row.ends_rotation != 0),
            leaver_count=sum(1 for row in rows if row.ends_rotation == 0),
        )

    def _placement(self, row, trainee_list, user_id):
        ends_on = (
            demo.rotation_on(row.ends_rotation, self.today) - timedelta(days=1)
            if row.ends_rotation is not None
            else None
        )
        return Placement(
            organisation=trainee_list.organisation,
            gmc_number=row.gmc_number,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            grade=row.grade,
            specialty=row.specialty,
            site=row.site,
            starts_on=demo.rotation_on(row.starts_rotation, self.today),
            ends_on=ends_on,
            user_id=user_id,
            trainee_list=trainee_list,
        )
