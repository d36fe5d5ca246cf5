"""Free text that many people type about the same thing (a specialty, a site): one spelling each.

"psychiatry", " Psychiatry" and "PSYCHIATRY " are the same specialty. Values are tidied (spaces
trimmed and collapsed) and matched case-insensitively to a spelling already known; a value never
seen before is kept as typed. Nothing is title-cased, which would damage "CAMHS" or "ST4": the
only choice made between two spellings of one value is that the one with more words beginning
with a capital wins ("Maudsley Hospital" over "maudsley hospital"), else the first seen.
"""

import re

from django.db.models import Q

WHITESPACE = re.compile(r"\s+")


def tidy(value):
    return WHITESPACE.sub(" ", value or "").strip()


def _capitalised_words(value):
    return sum(1 for word in value.split(" ") if word[:1].isupper())


class Vocabulary:
    """Spellings known so far, one per case-insensitive value."""

    def __init__(self, known=()):
        self._spellings = {}
        for value in known:
            self.learn(value)

    def learn(self, value):
        value = tidy(value)
        if not value:
            return
        key = value.casefold()
        current = self._spellings.get(key)
        if current is None or _capitalised_words(value) > _capitalised_words(current):
            self._spellings[key] = value

    def spelling(self, value):
        """The known spelling of `value`, or `value` tidied if it is new."""
        value = tidy(value)
        return self._spellings.get(value.casefold(), value)

    def spellings(self):
        """Every known spelling once, sorted case-insensitively (a filter's options)."""
        return sorted(self._spellings.values(), key=str.casefold)


def organisation_vocabulary(organisation_id, field):
    """The spellings of `field` ("specialty" or "site") among the trust's people."""
    from .models import User

    if not organisation_id:
        return Vocabulary()
    return Vocabulary(
        User.objects.filter(organisation_id=organisation_id)
        .exclude(Q(**{field: ""}))
        .order_by()
        .values_list(field, flat=True)
        .distinct()
    )


def spell_like_the_trust(cleaned):
    """A profile form's cleaned data with its specialty and site spelled as the chosen trust's
    people already spell them (the sign-up and profile forms)."""
    organisation = cleaned.get("organisation")
    for field in ("specialty", "site"):
        if field in cleaned:
            known = organisation_vocabulary(organisation.pk if organisation else None, field)
            cleaned[field] = known.spelling(cleaned[field])
    return cleaned
