from pathlib import Path

import yaml
from django.db import migrations

RULES_FILE = Path(__file__).resolve().parent.parent / "default_rules.yaml"


def seed(apps, schema_editor):
    RulesVersion = apps.get_model("scoring", "RulesVersion")
    if not RulesVersion.objects.exists():
        document = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
        RulesVersion.objects.create(number=1, document=document, note="the rulebook Tandem ships",
                                    summary=["first version"])


def unseed(apps, schema_editor):
    apps.get_model("scoring", "RulesVersion").objects.filter(number=1, created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_rules_and_scores")]
    operations = [migrations.RunPython(seed, unseed)]
