from django.core.management.base import BaseCommand

from supervision.demo import load_demo_supervision


class Command(BaseCommand):
    help = (
        "Add demo mentor training, training events, supervisor assignments and supervision "
        "history to the demo region's schemes (run load_demo_data first). Running it again adds "
        "nothing; no email is sent."
    )

    def handle(self, *args, **options):
        counts = load_demo_supervision()
        self.stdout.write(
            "Demo training and supervision: "
            + ", ".join(f"{count} {name}" for name, count in counts.items())
            + "."
        )
