import factory
from django.utils import timezone

from accounts.models import Grade, User

DEFAULT_PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"trainee{n}@example.nhs.uk")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    grade = Grade.CT2
    specialty = "Psychiatry"
    training_started_on = factory.LazyFunction(
        lambda: timezone.localdate().replace(year=timezone.localdate().year - 3, day=1)
    )
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class UnconfirmedUserFactory(UserFactory):
    email_confirmed_at = None
