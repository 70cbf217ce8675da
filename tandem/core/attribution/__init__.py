"""Multi-touch attribution: pure functions from journeys to per-channel credit.

Framework-free (numpy and the standard library only; never Django). Every model keeps the
invariant that credit summed over channels equals total conversions and total value.

Typical use::

    from tandem.core.attribution import Journey, encode, attribute
    journeys = encode([Journey(["email", "search"], conversions=3, value=120.0, nulls=40)])
    result = attribute(journeys, "markov")
    result.by_channel()  # {"email": (conversions, value), "search": (...)}

See docs/attribution.md for each model's weights and the edge cases.
"""

from tandem.core.attribution.credit import Attribution, check_totals
from tandem.core.attribution.journeys import Journey, JourneySet, collapse_repeats, encode
from tandem.core.attribution.models import HEURISTIC_MODELS, MODELS, Options, attribute, attribute_many
from tandem.core.attribution.pathfile import Columns, PathFileError, read_path_file

__all__ = [
    "HEURISTIC_MODELS",
    "MODELS",
    "Attribution",
    "Columns",
    "Journey",
    "JourneySet",
    "Options",
    "PathFileError",
    "attribute",
    "attribute_many",
    "check_totals",
    "collapse_repeats",
    "encode",
    "read_path_file",
]
