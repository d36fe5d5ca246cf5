"""Load the demo cast. Safe to run again: existing accounts are left as they are."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Grade, Role, User
from accounts.services import role_grant

DEMO_PASSWORD = "mentoring-demo-2026"

DEMO_USERS = [
    # email, first, last, grade, specialty, roles, is_superuser
    ("mentee@example.nhs.uk", "Maya", "Patel", Grade.CT1, "Paediatrics", (), False),
    ("mentor@example.nhs.uk", "Tom", "Okafor", Grade.ST4, "Paediatrics", (), False),
    (
        "organiser@example.nhs.uk",
        "Olivia",
        "Grant",
        Grade.ST6,
        "Psychiatry",
        (Role.ORGANISER,),
        False,
    ),
    (
        "supervisor@example.nhs.uk",
        "Sam",
        "Reid",
        Grade.CONSULTANT,
        "Psychiatry",
        (Role.SUPERVISOR,),
        False,
    ),
    (
        "dme@example.nhs.uk",
        "Dana",
        "Mensah",
        Grade.CONSULTANT,
        "General medicine",
        (Role.DME,),
        False,
    ),
    (
        "lead@example.nhs.uk",
        "Luca",
        "Byrne",
        Grade.CONSULTANT,
        "Anaesthetics",
        (Role.REGIONAL_LEAD,),
        False,
    ),
    ("admin@example.nhs.uk", "Ada", "Admin", "", "", (), True),
]


class Command(BaseCommand):
    help = "Create the demo accounts listed in the README (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for email, first, last, grade, specialty, roles, is_superuser in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    grade=grade,
                    specialty=specialty,
                    organisation_name="South London and Maudsley NHS Foundation Trust",
                    email_confirmed_at=timezone.now(),
                    is_staff=is_superuser,
                    is_superuser=is_superuser,
                )
                created += 1
            for role in roles:
                role_grant(user=user, role=role)
        self.stdout.write(
            f"Demo data: {created} account(s) created, {len(DEMO_USERS) - created} already there. "
            f"Password for every demo account: {DEMO_PASSWORD}"
        )
