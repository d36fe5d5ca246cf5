"""Time the opt-out cohort import on a 10,000-row file.

    cd /work/main && DEBUG=1 .venv/bin/python bench/cohort_import.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentoring DEBUG=1 \\
        .venv/bin/python bench/cohort_import.py                                       # PostgreSQL

It builds a throwaway database with Django's test utilities (in-memory SQLite, or a PostgreSQL
database named `bench_cohort_import_<pid>`), dropped at the end, and points Celery at an
in-memory broker, so no worker anywhere sends the 10,000 emails it queues.

The file: 10,000 trainees, of whom 500 already have an account and 300 are already enrolled.
It prints the time to preview (read and check the file, sort it against the database), to confirm
(accounts, enrolments and notifications in one transaction) and to enqueue the emails after
commit; what a worker spends sending one email; and, for comparison, what queueing the
notifications one `notification_queue` call at a time would cost.
"""

import os
import random
import sys
import time
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from accounts.models import Grade, Notification, User  # noqa: E402
from accounts.services import (  # noqa: E402
    EMAIL_CHUNK,
    notification_queue,
    notification_send,
)
from accounts.tasks import notification_send_task  # noqa: E402
from mentoring.celery import app as celery_app  # noqa: E402
from schemes import cohort  # noqa: E402
from schemes.models import (  # noqa: E402
    TRAINEE_GRADES,
    Enrolment,
    Organisation,
    Region,
    Scheme,
    SchemeRole,
)

ROWS = 10_000
EXISTING_ACCOUNTS = 500  # have an account, not yet enrolled
ALREADY_ENROLLED = 300  # have an account and a current mentee enrolment
SENDS_SAMPLED = 200
PER_ROW_QUEUE_SAMPLED = 1_000

SPECIALTIES = ["Psychiatry", "Paediatrics", "General surgery", "Anaesthetics", "Acute medicine"]
SITES = ["Maudsley Hospital", "Bethlem Royal Hospital", "Lambeth Hospital", "Ladywell Unit"]
PROGRAMMES = ["Foundation", "Core psychiatry", "Higher psychiatry", "Core surgery"]
FIRST_NAMES = ["Aisha", "Ben", "Carys", "Dan", "Efua", "Femi", "Grace", "Hamza", "Zoë", "Siân"]
LAST_NAMES = ["Khan", "Osei", "Jones", "Roe", "Mensah", "O’Brien", "Patel", "Nowak", "Ellis"]


@contextmanager
def timed(figures, label):
    started = time.perf_counter()
    yield
    figures.append((label, time.perf_counter() - started))


def cohort_csv(rng):
    lines = ["Email,First name,Last name,Grade,Specialty,Programme,Site,Start date"]
    start = date(2025, 8, 6)
    for number in range(ROWS):
        started = start - timedelta(days=365 * rng.randint(0, 8))
        lines.append(
            ",".join(
                [
                    f"trainee.{number}@nhs.net",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    rng.choice(TRAINEE_GRADES),
                    rng.choice(SPECIALTIES),
                    rng.choice(PROGRAMMES),
                    rng.choice(SITES),
                    f"{started:%d/%m/%Y}",
                ]
            )
        )
    # Windows-1252, as Excel on a trust PC saves "CSV (Comma delimited)".
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def cast():
    region = Region.objects.create(name="South London", slug="south-london")
    organisation = Organisation.objects.create(
        region=region,
        name="South London and Maudsley NHS Foundation Trust",
        short_name="SLaM",
        slug="slam",
        email_domains=["nhs.net", "slam.nhs.uk"],
    )
    scheme = Scheme.objects.create(
        organisation=organisation, name="SLaM peer mentoring", slug="slam-peer"
    )
    organiser = User.objects.create_user(
        email="organiser@slam.nhs.uk", first_name="Olivia", last_name="Grant"
    )
    SchemeRole.objects.create(scheme=scheme, user=organiser, role=SchemeRole.Role.ORGANISER)
    password = make_password(None)
    existing = User.objects.bulk_create(
        User(
            email=f"trainee.{number}@nhs.net",
            first_name="Existing",
            last_name=str(number),
            grade=Grade.CT1,
            organisation=organisation,
            password=password,
        )
        for number in range(EXISTING_ACCOUNTS + ALREADY_ENROLLED)
    )
    existing = User.objects.filter(email__in=[user.email for user in existing]).order_by("pk")
    Enrolment.objects.bulk_create(
        Enrolment(scheme=scheme, user=user, role=Enrolment.Role.MENTEE)
        for user in existing[EXISTING_ACCOUNTS:]
    )
    return scheme, organiser


def run():
    figures = []
    rng = random.Random(2026)
    scheme, organiser = cast()
    data = cohort_csv(rng)
    expected = ROWS - ALREADY_ENROLLED

    with timed(figures, "read and check the file (no database)"):
        cohort.cohort_file_parse(data, scheme=scheme)
    upload = SimpleUploadedFile("august-intake.csv", data, content_type="text/csv")
    with CaptureQueriesContext(connection) as preview_queries:
        with timed(figures, "preview: upload → CohortImport saved"):
            cohort_import = cohort.cohort_import_preview(
                scheme=scheme, uploaded_file=upload, uploaded_by=organiser
            )
        with timed(figures, "preview page: sort rows against the database"):
            plan = cohort.cohort_import_plan(cohort_import)
    assert cohort_import.problems == [], cohort_import.problems[:3]
    assert len(plan.to_enrol) == expected and len(plan.already_enrolled) == ALREADY_ENROLLED

    enqueue = cohort._cohort_notifications_enqueue
    enqueue_figures = []

    def timed_enqueue(notification_ids):
        chunks = -(-len(notification_ids) // EMAIL_CHUNK)
        label = f"  of which: enqueue {len(notification_ids):,} emails in {chunks} task messages"
        with timed(enqueue_figures, label):
            enqueue(notification_ids)

    cohort._cohort_notifications_enqueue = timed_enqueue
    try:
        with (
            CaptureQueriesContext(connection) as confirm_queries,
            timed(figures, "confirm: one transaction, then enqueue"),
        ):
            cohort.cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)
    finally:
        cohort._cohort_notifications_enqueue = enqueue
    figures.extend(enqueue_figures)
    cohort_import.refresh_from_db()
    enrolled = Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT).count()
    notifications = Notification.objects.filter(kind=cohort.NOTIFICATION_KIND).count()
    assert cohort_import.enrolled_count == enrolled == notifications == expected

    with (
        timed(figures, "confirm the same file again (refused, nothing done)"),
        suppress(cohort.CohortAlreadyConfirmed),
    ):
        cohort.cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)

    sample = list(
        Notification.objects.filter(kind=cohort.NOTIFICATION_KIND).values_list("pk", flat=True)[
            :SENDS_SAMPLED
        ]
    )
    started = time.perf_counter()
    for notification_id in sample:
        notification_send(notification_id=notification_id)
    per_email = (time.perf_counter() - started) / len(sample)

    enrolments = list(
        Enrolment.objects.filter(scheme=scheme, source=Enrolment.Source.COHORT).select_related(
            "user"
        )[:PER_ROW_QUEUE_SAMPLED]
    )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for enrolment in enrolments:
                notification_queue(
                    key=f"bench:{enrolment.pk}",
                    kind=cohort.NOTIFICATION_KIND,
                    recipient=enrolment.user,
                    context={"enrolment_id": enrolment.pk},
                )
            raise RuntimeError("roll back")  # and drop the on_commit callbacks with it
    except RuntimeError:
        pass
    per_row = (time.perf_counter() - started) / len(enrolments)

    started = time.perf_counter()
    for notification_id in range(expected):
        notification_send_task.delay(notification_id)
    one_message_each = time.perf_counter() - started

    vendor = connection.vendor
    version = (
        ".".join(str(part) for part in connection.Database.sqlite_version_info)
        if vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    print(
        f"\nCohort import, {ROWS:,} rows ({len(data) / 1e6:.1f} MB, Windows-1252) on {vendor} "
        f"{version}: {expected:,} enrolled, {ALREADY_ENROLLED} already enrolled, "
        f"{EXISTING_ACCOUNTS} existing accounts reused\n"
    )
    width = max(len(label) for label, _seconds in figures)
    for label, seconds in figures:
        print(f"  {label:<{width}}  {seconds:7.2f} s")
    print(f"\n  queries: preview {len(preview_queries)}, confirm {len(confirm_queries)}")
    print(
        f"  worker side, per email sent (render, token, locmem backend): {per_email * 1000:.1f} ms"
        f" → {per_email * expected:.0f} s of worker time for the cohort"
    )
    print(
        f"  for comparison, notification_queue once per row: {per_row * 1000:.2f} ms a row"
        f" → {per_row * expected:.1f} s for {expected:,} rows, instead of the bulk insert"
    )
    print(
        f"  for comparison, one task message per email: {one_message_each:.2f} s to enqueue "
        f"{expected:,} (in-memory broker; Redis is slower)"
    )


def main():
    # The broker of settings (Redis, or the shared var/celery folder) would hand 10,000 tasks to
    # whatever worker is running; an in-memory broker keeps them here and measures publishing.
    celery_app.conf.broker_url = "memory://localhost/"
    celery_app.conf.broker_transport_options = {}
    celery_app.conf.task_always_eager = False
    setup_test_environment()  # locmem email backend, among others
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"bench_cohort_import_{os.getpid()}"
    real_name = connection.settings_dict["NAME"]
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        run()
    finally:
        # Only ever drop the throwaway database: if making it failed before Django switched to
        # it, the name is still the real database's, and that is left alone.
        if connection.settings_dict["NAME"] != real_name:
            connection.creation.destroy_test_db(real_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
