from django.core.management.base import BaseCommand

from demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo: the South London region as the seed survey found it (ten trusts, eight "
        "schemes, a few hundred trainees and one login per role), its mentor training and "
        "supervision, and pairs with meetings in the SLaM scheme. Running it again adds nothing; "
        "no email is sent."
    )

    def handle(self, *args, **options):
        for line in demo_load():
            self.stdout.write(line)
