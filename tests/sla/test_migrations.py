"""The seeded defaults (rulebook, routing, SLA policies, calendar) are reversible data migrations."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
APPS = [("notifications", "0001_notifications"), ("sla", "0002_default_policies"),
        ("routing", "0002_default_routing"), ("scoring", "0002_default_rules")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_apps_migrate_back_to_zero_and_forward_again_with_their_defaults():
    from tandem.routing.models import RoutingPolicy
    from tandem.scoring.models import RulesVersion
    from tandem.sla.models import SlaPolicy

    migrate([(app, None) for app, _ in APPS])
    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith(("sla_", "routing_", "scoring_", "notifications_"))]
    migrate(APPS)
    assert RulesVersion.objects.get().number == 1
    assert set(SlaPolicy.objects.values_list("key", flat=True)) == {
        "mql_first_touch", "tele_acceptance", "sales_acceptance", "sql_opportunity"}
    assert set(RoutingPolicy.objects.values_list("stage", flat=True)) == {"mql", "tal", "tql"}
