from django.db import migrations

WEEKDAYS = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
#: key, name, stage, stop, stop actions, business minutes, team, order, description
POLICIES = [
    ("mql_first_touch", "MQL: first real touch", "mql", "touch", [], 240, "tele", 10,
     "Tele-qualification's first call, email or meeting with a new MQL, by its owner, within 4 business hours."),
    ("tele_acceptance", "TAL: tele accepts or rejects", "mql", "exit", ["accept", "reject", "disqualify"], 480,
     "tele", 20, "Tele-qualification accepts (→ TAL) or rejects the MQL within 1 business day (8 hours)."),
    ("sales_acceptance", "SAL: Sales accepts or rejects", "tql", "exit", ["accept", "reject"], 960, "sales", 30,
     "Sales accepts (→ SAL) or, for procedural reasons, rejects the hand-off within 2 business days."),
    ("sql_opportunity", "SQL: opportunity created", "sql", "exit", ["advance"], 4800, "sales", 40,
     "An opportunity is opened for the SQL (→ Opportunity) within 10 business days."),
]


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if not BusinessCalendar.objects.filter(is_default=True).exists():
        BusinessCalendar.objects.get_or_create(key="default", defaults={
            "name": "Default (Mon–Fri 09:00–17:00, Berlin)", "timezone": "Europe/Berlin", "hours": WEEKDAYS,
            "is_default": True})
    for key, name, stage, stop, actions, minutes, team, order, description in POLICIES:
        SlaPolicy.objects.get_or_create(key=key, defaults={
            "name": name, "stage": stage, "stop": stop, "stop_actions": actions, "duration_minutes": minutes,
            "team": team, "order": order, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("sla", "SlaPolicy").objects.filter(key__in=[p[0] for p in POLICIES]).delete()
    apps.get_model("sla", "BusinessCalendar").objects.filter(key="default").delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_timers_and_calendars")]
    operations = [migrations.RunPython(seed, unseed)]
