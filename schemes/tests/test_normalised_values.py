"""One specialty, one spelling; one site, one spelling (issue #13, item 14).

Imported and typed values are tidied and matched case-insensitively to the spelling the trust
already uses, so "psychiatry" and "Psychiatry" are one filter option, and each filter offers its
"Any ..." choice once."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from accounts.vocabulary import Vocabulary
from schemes.cohort import cohort_import_confirm, cohort_import_preview
from schemes.models import Enrolment
from schemes.tests.factories import EnrolmentFactory, MemberFactory

HEADER = "email,first_name,last_name,grade,specialty,programme,site,start_date"

pytestmark = pytest.mark.django_db


def import_cohort(scheme, organiser, *rows):
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    cohort_import = cohort_import_preview(
        scheme=scheme,
        uploaded_file=SimpleUploadedFile("cohort.csv", text.encode(), content_type="text/csv"),
        uploaded_by=organiser,
    )
    assert cohort_import.problems == []
    cohort_import_confirm(cohort_import=cohort_import, confirmed_by=organiser)


def test_vocabulary_tidies_and_matches_case_insensitively_without_title_casing():
    known = Vocabulary(["Psychiatry", "CAMHS", "maudsley hospital"])
    assert known.spelling("  psychiatry ") == "Psychiatry"
    assert known.spelling("camhs") == "CAMHS"
    assert known.spelling("Old  age\tpsychiatry") == "Old age psychiatry"  # new: kept as typed
    known.learn("Maudsley Hospital")  # more capitalised words beat fewer
    known.learn("MAUDSLEY HOSPITAL")  # no more than the spelling known: the first stays
    assert known.spelling("MAUDSLEY hospital") == "Maudsley Hospital"
    assert known.spellings() == ["CAMHS", "Maudsley Hospital", "Psychiatry"]


def test_a_cohort_import_spells_specialties_and_sites_as_the_trust_does(scheme, organiser):
    EnrolmentFactory(scheme=scheme, user__specialty="Psychiatry", site="Maudsley Hospital")
    import_cohort(
        scheme,
        organiser,
        "a.one@nhs.net,Ana,One,CT1,psychiatry,Core,maudsley hospital,",
        "b.two@nhs.net,Ben,Two,CT1,  PSYCHIATRY ,Core,Maudsley   Hospital,",
        "c.three@nhs.net,Cy,Three,ST4,child and adolescent psychiatry (CAMHS),,bethlem royal,",
        "d.four@nhs.net,Di,Four,ST4,Child and Adolescent Psychiatry (CAMHS),,Bethlem Royal,",
    )
    people = {
        user.email: (user.specialty, user.site)
        for user in User.objects.filter(email__endswith="@nhs.net")
    }
    assert people == {
        "a.one@nhs.net": ("Psychiatry", "Maudsley Hospital"),
        "b.two@nhs.net": ("Psychiatry", "Maudsley Hospital"),
        "c.three@nhs.net": ("Child and Adolescent Psychiatry (CAMHS)", "Bethlem Royal"),
        "d.four@nhs.net": ("Child and Adolescent Psychiatry (CAMHS)", "Bethlem Royal"),
    }
    sites = set(
        Enrolment.objects.filter(source=Enrolment.Source.COHORT).values_list("site", flat=True)
    )
    assert sites == {"Maudsley Hospital", "Bethlem Royal"}


def test_the_profile_form_spells_values_as_the_trust_does(client, mentee, organisation):
    MemberFactory(organisation=organisation, specialty="Psychiatry", site="Maudsley Hospital")
    client.force_login(mentee)
    client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Maya",
            "last_name": "Patel",
            "grade": "ST3",
            "specialty": " psychiatry",
            "organisation": organisation.pk,
            "site": "maudsley  hospital ",
        },
    )
    mentee.refresh_from_db()
    assert (mentee.specialty, mentee.site) == ("Psychiatry", "Maudsley Hospital")


def test_sign_up_spells_values_as_the_trust_does(client, organisation):
    MemberFactory(organisation=organisation, specialty="Psychiatry", site="Maudsley Hospital")
    password = "harbour-lantern-violet-93"
    client.post(
        reverse("accounts:sign-up"),
        {
            "email": "new.trainee@example.nhs.uk",
            "first_name": "Nia",
            "last_name": "Adeyemi",
            "grade": "CT1",
            "specialty": "PSYCHIATRY",
            "organisation": organisation.pk,
            "site": "maudsley hospital",
            "password1": password,
            "password2": password,
        },
    )
    user = User.objects.get(email="new.trainee@example.nhs.uk")
    assert (user.specialty, user.site) == ("Psychiatry", "Maudsley Hospital")


def options(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_dashboard_filters_offer_each_value_once_and_any_once(client, organiser, scheme):
    # Rows written before values were tidied on the way in.
    for specialty, site in [
        ("psychiatry", "maudsley hospital"),
        ("Psychiatry", "Maudsley Hospital"),
        ("Paediatrics", "Maudsley Hospital"),
    ]:
        EnrolmentFactory(scheme=scheme, user__specialty=specialty, site=site)
    client.force_login(organiser)
    html = client.get(reverse("reports:scheme-dashboard", args=[scheme.slug])).content.decode()
    assert options(html, "specialty") == ["Any specialty", "Paediatrics", "Psychiatry"]
    assert options(html, "site") == ["Any site", "Maudsley Hospital"]
    # Either spelling of the option finds every mentee with that value.
    filtered = client.get(
        reverse("reports:scheme-dashboard", args=[scheme.slug]), {"specialty": "Psychiatry"}
    ).content.decode()
    assert "Enrolled as mentees" in filtered


def test_the_data_migration_gives_existing_values_one_spelling(scheme, other_scheme):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("schemes.migrations.0002_spell_specialties_and_sites_once")
    lower = EnrolmentFactory(scheme=scheme, user__specialty="psychiatry", site="maudsley hospital")
    upper = EnrolmentFactory(scheme=scheme, user__specialty="Psychiatry", site="Maudsley Hospital")
    elsewhere = EnrolmentFactory(scheme=other_scheme, user__specialty="psychiatry")

    migration.spell_once(apps, None)

    for enrolment in (lower, upper, elsewhere):
        enrolment.refresh_from_db()
        enrolment.user.refresh_from_db()
    assert (lower.user.specialty, lower.site) == ("Psychiatry", "Maudsley Hospital")
    assert (upper.user.specialty, upper.site) == ("Psychiatry", "Maudsley Hospital")
    assert elsewhere.user.specialty == "psychiatry"  # another trust spells its own values
