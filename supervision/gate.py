"""The training gate, offered to the matcher.

matching owns the choice of candidates and exposes `matching.rules.register_training_check(check)`
where `check(scheme, enrolments)` returns the ids of the trained mentor enrolments; supervision owns
what "trained" means (`selectors.trained_enrolment_ids`, the batch form of
`selectors.mentor_is_trained`). Registering from here keeps the dependency pointing one way:
supervision → matching. If the hook is missing, nothing is registered and this returns False.
"""

import logging

logger = logging.getLogger(__name__)


def register_with_matching():
    try:
        from matching.rules import register_training_check
    except ImportError:
        logger.warning(
            "matching.rules.register_training_check not found: the training gate is not wired "
            "into matching; untrained mentors would be offered to the matcher."
        )
        return False
    from .selectors import trained_enrolment_ids

    register_training_check(trained_enrolment_ids)
    return True
