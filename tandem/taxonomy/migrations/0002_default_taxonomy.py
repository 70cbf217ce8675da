"""Seed version 1 of the taxonomy: the re-architected (2012) Demand Waterfall."""

from pathlib import Path

import yaml
from django.db import migrations

DEFAULT = Path(__file__).resolve().parent.parent / "default_taxonomy.yaml"


def seed(apps, schema_editor):
    TaxonomyVersion = apps.get_model("taxonomy", "TaxonomyVersion")
    if not TaxonomyVersion.objects.exists():
        document = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
        TaxonomyVersion.objects.create(number=1, document=document, note="default Demand Waterfall (2012)",
                                       summary=["first version"], diff="")


def unseed(apps, schema_editor):
    apps.get_model("taxonomy", "TaxonomyVersion").objects.filter(number=1, created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
