"""The demo as one use case: the region, then its training and supervision, then its pairs."""

from .pairs import demo_pairs_load
from .region import demo_region_load
from .supervision import demo_supervision_load, demo_supervision_summary


def demo_load() -> list[str]:
    """Load the whole demo in order, each part creating only what is missing (so running it
    again changes nothing) and sending no email. Returns one line per part saying what it did."""
    tally = demo_region_load()
    counts = demo_supervision_load()
    pairs = demo_pairs_load()
    return [tally.summary(), demo_supervision_summary(counts), pairs]
