import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Evidence files go to a temporary folder, never the project's var/private."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def cast(
    mentee,
    mentor,
    other_pair,
    organiser,
    other_organiser,
    supervisor,
    dme,
    other_dme,
    regional_lead,
):
    """Every role by name, for tests that go through each one."""
    return {
        "mentee": mentee,
        "mentor": mentor,
        "other_pair_mentee": other_pair.mentee,
        "other_pair_mentor": other_pair.mentor,
        "organiser": organiser,
        "other_organiser": other_organiser,
        "supervisor": supervisor,
        "dme": dme,
        "other_dme": other_dme,
        "regional_lead": regional_lead,
        "anonymous": None,
    }


@pytest.fixture
def as_role(client, cast):
    """A client logged in as the named member of the cast (or anonymous)."""

    def login(role):
        client.logout()
        if cast[role] is not None:
            client.force_login(cast[role])
        return client

    return login
