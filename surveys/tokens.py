"""Signed, expiring one-time links to a survey, usable without logging in.

The link carries the invitation's id and its random token, signed with a salt used for nothing
else: a link made for another purpose never passes, a changed character breaks the signature,
and the link stops working SURVEY_LINK_MAX_AGE after the email that carried it was made. It is
"one-time" because the invitation takes one response: the second is refused politely.
"""

from datetime import timedelta

from django.core import signing

SURVEY_LINK_SALT = "surveys.invitation-link"
# A reminder carries a fresh link, so someone who waits for the reminder still has four weeks.
SURVEY_LINK_MAX_AGE = timedelta(days=28)


class SurveyLinkInvalid(Exception):
    """The link is damaged (`expired` False) or older than SURVEY_LINK_MAX_AGE (`expired` True)."""

    def __init__(self, *, expired):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def survey_link_token(invitation):
    return signing.dumps({"i": invitation.pk, "t": invitation.token}, salt=SURVEY_LINK_SALT)


def survey_link_payload(token):
    """Return (invitation id, random token) from a link, or raise SurveyLinkInvalid."""
    try:
        payload = signing.loads(token, salt=SURVEY_LINK_SALT, max_age=SURVEY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkInvalid(expired=True) from None
    except signing.BadSignature:
        raise SurveyLinkInvalid(expired=False) from None
    if not isinstance(payload, dict):
        raise SurveyLinkInvalid(expired=False)
    invitation_id, random_token = payload.get("i"), payload.get("t")
    if not isinstance(invitation_id, int) or not isinstance(random_token, str):
        raise SurveyLinkInvalid(expired=False)
    return invitation_id, random_token
