"""Give each trust's specialties and sites one spelling each ("psychiatry" → "Psychiatry"), as the
cohort import and the profile forms now do for new values (accounts.vocabulary)."""

from django.db import migrations


def spell_once(apps, schema_editor):
    from accounts.vocabulary import Vocabulary

    User = apps.get_model("accounts", "User")
    Enrolment = apps.get_model("schemes", "Enrolment")
    Organisation = apps.get_model("schemes", "Organisation")
    for organisation_id in Organisation.objects.values_list("pk", flat=True):
        users = User.objects.filter(organisation_id=organisation_id)
        enrolments = Enrolment.objects.filter(scheme__organisation_id=organisation_id)
        specialties = Vocabulary(users.values_list("specialty", flat=True).distinct())
        sites = Vocabulary(users.values_list("site", flat=True).distinct())
        for site in enrolments.values_list("site", flat=True).distinct():
            sites.learn(site)
        for rows, field, vocabulary in (
            (users, "specialty", specialties),
            (users, "site", sites),
            (enrolments, "site", sites),
        ):
            for value in rows.exclude(**{field: ""}).values_list(field, flat=True).distinct():
                spelling = vocabulary.spelling(value)
                if spelling != value:
                    rows.filter(**{field: value}).update(**{field: spelling})


class Migration(migrations.Migration):
    dependencies = [
        ("schemes", "0001_initial"),
        ("accounts", "0005_notification_claimed_at"),
    ]

    operations = [migrations.RunPython(spell_once, migrations.RunPython.noop)]
