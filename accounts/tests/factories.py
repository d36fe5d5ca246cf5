import factory
from django.utils import timezone

from accounts.models import Grade, Role, RoleAssignment, User

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
    organisation_name = "South London and Maudsley NHS Foundation Trust"
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                RoleAssignment.objects.create(user=self, role=role)
        if create:
            self.save()


class UnconfirmedUserFactory(UserFactory):
    email_confirmed_at = None


def staff_user(role, **kwargs):
    return UserFactory(roles=[role], grade=Grade.CONSULTANT, **kwargs)


__all__ = ["DEFAULT_PASSWORD", "Role", "UnconfirmedUserFactory", "UserFactory", "staff_user"]
