"""Reading the taxonomy. Parsed versions are cached per number (versions are immutable)."""

from __future__ import annotations

from datetime import datetime

from tandem.core.taxonomy import Taxonomy, parse_taxonomy
from tandem.taxonomy.models import TaxonomyVersion

_parsed: dict[int, Taxonomy] = {}


def taxonomy_parsed(version: TaxonomyVersion) -> Taxonomy:
    if version.number not in _parsed:
        _parsed[version.number] = parse_taxonomy(version.document)
    return _parsed[version.number]


def taxonomy_version_current() -> TaxonomyVersion:
    version = TaxonomyVersion.objects.order_by("-number").only("number", "document").first()
    if version is None:
        raise LookupError("no taxonomy version exists; run `tandem migrate`")
    return version


def taxonomy_current() -> tuple[int, Taxonomy]:
    """The number and parsed taxonomy in force now."""
    number = TaxonomyVersion.objects.order_by("-number").values_list("number", flat=True).first()
    if number is None:
        raise LookupError("no taxonomy version exists; run `tandem migrate`")
    if number not in _parsed:
        taxonomy_parsed(TaxonomyVersion.objects.get(number=number))
    return number, _parsed[number]


def taxonomy_in_force_at(at: datetime) -> tuple[int, Taxonomy]:
    """The version that was in force at instant `at` (the first version if `at` predates all)."""
    version = (TaxonomyVersion.objects.filter(created_at__lte=at).order_by("-number").first()
               or TaxonomyVersion.objects.order_by("number").first())
    if version is None:
        raise LookupError("no taxonomy version exists")
    return version.number, taxonomy_parsed(version)


def taxonomy_versions():
    return TaxonomyVersion.objects.select_related("created_by").order_by("-number")
