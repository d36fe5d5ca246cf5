"""Signed, expiring one-click opt-out links for trainees enrolled by a cohort import.

The token carries only the enrolment id. It is signed with a salt used for nothing else, so a
token made for another purpose (an email confirmation, say) can never pass as an opt-out link.
"""

from datetime import timedelta

from django.core import signing

OPT_OUT_SALT = "schemes.enrolment-opt-out"
# Long enough to cover a rotation's first weeks, when trainees read their induction email.
OPT_OUT_MAX_AGE = timedelta(days=60)


class OptOutLinkInvalid(Exception):
    """The link is damaged (`expired` is False) or older than OPT_OUT_MAX_AGE (`expired` True).

    An expired link's signature is still genuine, so `enrolment_id` is known and the page can name
    the scheme; for a damaged link it is None.
    """

    def __init__(self, *, expired, enrolment_id=None):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired
        self.enrolment_id = enrolment_id


def opt_out_token(enrolment):
    return signing.dumps({"enrolment": enrolment.pk}, salt=OPT_OUT_SALT)


def opt_out_enrolment_id(token):
    """Return the enrolment id in `token`, or raise OptOutLinkInvalid."""
    try:
        payload = signing.loads(token, salt=OPT_OUT_SALT, max_age=OPT_OUT_MAX_AGE)
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=OPT_OUT_SALT)  # genuine, only too old
        raise OptOutLinkInvalid(expired=True, enrolment_id=_enrolment_id(payload)) from None
    except signing.BadSignature:
        raise OptOutLinkInvalid(expired=False) from None
    enrolment_id = _enrolment_id(payload)
    if enrolment_id is None:
        raise OptOutLinkInvalid(expired=False)
    return enrolment_id


def _enrolment_id(payload):
    value = payload.get("enrolment") if isinstance(payload, dict) else None
    return value if isinstance(value, int) else None
