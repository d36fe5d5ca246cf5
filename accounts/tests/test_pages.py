import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_home_page_explains_peer_mentoring_and_offers_sign_up(client):
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "What is peer mentoring?" in body
    assert reverse("accounts:sign-up") in body
    assert 'href="#main"' in body  # skip link


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["accounts:my-mentoring", "accounts:profile", "accounts:password-change"]
)
def test_signed_in_pages_send_anonymous_visitors_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.django_db
def test_my_mentoring_asks_for_missing_profile_details(client):
    user = UserFactory(grade="", specialty="")
    client.force_login(user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Finish your profile" in body
    assert "your grade, your specialty" in body


@pytest.mark.django_db
def test_profile_edit_saves_and_confirms(client, mentee):
    client.force_login(mentee)
    response = client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Maya",
            "last_name": "Patel",
            "grade": "ST3",
            "specialty": "Emergency medicine",
            "site": "St George's Hospital",
            "training_started_on": "2022-08-03",
        },
        follow=True,
    )
    assert "Your profile is saved." in response.content.decode()
    mentee.refresh_from_db()
    assert mentee.grade == "ST3"
    assert str(mentee.training_started_on) == "2022-08-03"


@pytest.mark.django_db
def test_profile_edit_with_bad_input_says_what_to_fix_and_keeps_the_old_values(client, mentee):
    client.force_login(mentee)
    response = client.post(
        reverse("accounts:profile"),
        {
            "first_name": "",
            "last_name": "Patel",
            "grade": "ST99",
            "training_started_on": "03/13/2022",
        },
    )
    form = response.context["form"]
    assert "first_name" in form.errors
    assert "Select a valid choice" in " ".join(form.errors["grade"])
    assert "Enter a valid date" in " ".join(form.errors["training_started_on"])
    mentee.refresh_from_db()
    assert mentee.first_name == "Maya"


@pytest.mark.django_db
def test_navigation_shows_what_each_role_can_use(client, mentee, superuser):
    anonymous = client.get(reverse("home")).content.decode()
    assert reverse("accounts:my-mentoring") not in anonymous

    client.force_login(mentee)
    trainee_page = client.get(reverse("home")).content.decode()
    assert reverse("accounts:my-mentoring") in trainee_page
    assert reverse("admin:index") not in trainee_page

    client.force_login(superuser)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_admin_can_open_the_user_pages(client, superuser, mentee):
    client.force_login(superuser)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[mentee.pk])).status_code == 200


@pytest.mark.django_db
def test_trainee_cannot_open_the_admin(client, mentee):
    client.force_login(mentee)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("grade", ["CONSULTANT", "SAS", "OTHER"])
def test_my_mentoring_never_asks_staff_who_are_not_in_training_for_a_training_start_date(
    client, organisation, grade
):
    # A consultant DME, an SAS doctor or another professional has no training start date.
    user = UserFactory(grade=grade, organisation=organisation, training_started_on=None)
    client.force_login(user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "the date you started training" not in body
    assert "Finish your profile" not in body


@pytest.mark.django_db
def test_my_mentoring_asks_a_doctor_in_training_for_their_training_start_date(client, organisation):
    user = UserFactory(grade="ST3", organisation=organisation, training_started_on=None)
    client.force_login(user)
    body = client.get(reverse("accounts:my-mentoring")).content.decode()
    assert "Still to add: the date you started training." in body


def test_only_foundation_core_and_specialty_grades_are_doctors_in_training():
    from accounts.models import Grade, User

    in_training = {grade for grade in Grade.values if User(grade=grade).is_doctor_in_training}
    assert in_training == {
        "FY1", "FY2", "CT1", "CT2", "CT3",
        "ST1", "ST2", "ST3", "ST4", "ST5", "ST6", "ST7", "ST8",
    }  # fmt: skip
    assert not User(grade="").is_doctor_in_training
