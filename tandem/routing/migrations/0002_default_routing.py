from django.db import migrations

REGIONS = [
    ("dach", "DACH", ["DE", "AT", "CH"]),
    ("benelux", "Benelux", ["BE", "NL", "LU"]),
    ("nordics", "Nordics", ["SE", "NO", "DK", "FI", "IS"]),
    ("uki", "UK and Ireland", ["GB", "IE"]),
    ("southern_europe", "Southern Europe", ["FR", "ES", "IT", "PT"]),
    ("north_america", "North America", ["US", "CA"]),
]
QUEUES = [
    ("tele", "Tele-qualification", "tele", "MQLs waiting for a first touch and an accept/reject decision"),
    ("sales", "Sales", "sales", "Hand-offs (TQLs) waiting for an account executive"),
]
POLICIES = [
    ("mql", "tele", [{"id": "tele_default", "kind": "default", "queue": "tele"}]),
    ("tal", "tele", [{"id": "tele_default", "kind": "default", "queue": "tele"}]),
    ("tql", "sales", [{"id": "account_owner", "kind": "account_owner"},
                      {"id": "sales_default", "kind": "default", "queue": "sales"}]),
]


def seed(apps, schema_editor):
    Region = apps.get_model("routing", "Region")
    Queue = apps.get_model("routing", "Queue")
    RoutingPolicy = apps.get_model("routing", "RoutingPolicy")
    for key, name, countries in REGIONS:
        Region.objects.get_or_create(key=key, defaults={"name": name, "countries": countries})
    for key, name, team, description in QUEUES:
        Queue.objects.get_or_create(key=key, defaults={"name": name, "team": team, "description": description})
    for stage, team, rules in POLICIES:
        RoutingPolicy.objects.get_or_create(stage=stage, defaults={"team": team, "rules": rules})


def unseed(apps, schema_editor):
    apps.get_model("routing", "RoutingPolicy").objects.filter(stage__in=[p[0] for p in POLICIES]).delete()
    apps.get_model("routing", "Queue").objects.filter(key__in=[q[0] for q in QUEUES]).delete()
    apps.get_model("routing", "Region").objects.filter(key__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_queues_and_policies")]
    operations = [migrations.RunPython(seed, unseed)]
