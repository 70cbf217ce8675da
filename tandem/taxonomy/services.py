"""Publishing taxonomy versions. Every change, however made, goes through `taxonomy_publish`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from tandem.audit.services import audit_record
from tandem.core.documents import document_format, document_parse
from tandem.core.taxonomy import TaxonomyInvalid, change_summary, document_diff, parse_taxonomy
from tandem.taxonomy.models import TaxonomyVersion

DEFAULT_TAXONOMY_FILE = Path(__file__).with_name("default_taxonomy.yaml")


class TaxonomyUnchanged(ValueError):
    pass


def taxonomy_document_load(text: str, *, filename: str = "") -> dict[str, Any]:
    """Parse YAML or JSON text into a document; syntax errors name the line."""
    return document_parse(text, filename=filename, invalid=TaxonomyInvalid)


def taxonomy_document_dump(document: dict[str, Any], *, fmt: str = "yaml") -> str:
    return document_format(document, fmt=fmt, width=100)


def taxonomy_publish(*, document: dict[str, Any], by: Any = None, note: str = "") -> TaxonomyVersion:
    """Validate `document` and store it as the next version, with a readable diff. Audited."""
    parse_taxonomy(document)  # raises TaxonomyInvalid naming every problem
    previous = TaxonomyVersion.objects.order_by("-number").first()
    if previous is not None and previous.document == document:
        raise TaxonomyUnchanged(f"the document is identical to version {previous.number}; nothing published")
    try:
        with transaction.atomic():
            number = (TaxonomyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
            version = TaxonomyVersion.objects.create(
                number=number, document=document, created_by=by if getattr(by, "pk", None) else None,
                note=note[:300], summary=change_summary(previous.document if previous else None, document),
                diff=document_diff(previous.document if previous else None, document),
            )
            audit_record(actor=by, action="taxonomy.publish", obj=version,
                         changes={"number": [previous.number if previous else None, number]})
    except IntegrityError as exc:
        raise TaxonomyUnchanged("another version was published at the same moment; reload and try again") from exc
    return version


def taxonomy_import(*, text: str, filename: str = "", by: Any = None, note: str = "") -> TaxonomyVersion:
    document = taxonomy_document_load(text, filename=filename)
    return taxonomy_publish(document=document, by=by, note=note or f"imported {Path(filename).name}".strip())


def taxonomy_default_document() -> dict[str, Any]:
    return taxonomy_document_load(DEFAULT_TAXONOMY_FILE.read_text(encoding="utf-8"))
