"""Merging two leads: the survivor holds everything, the loser stays as a pointer, nothing is left behind."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models

from tandem import clock

pytestmark = pytest.mark.django_db


def _merge(survivor, loser, by=None, **kwargs):
    from tandem.identity.services import lead_merge

    return lead_merge(survivor=survivor, loser=loser, by=by, **kwargs)


def _lead(at=None, **fields):
    from tandem.leads.services import LeadData, lead_create

    fields.setdefault("email", f"{fields.get('first_name', 'x')}-{clock.now().timestamp()}@example.com")
    return lead_create(data=LeadData(**fields), by=None, at=at)


def _rows_pointing_at(model, pk):
    """Every row in every table with a foreign key to `model` that holds `pk` (the merged_into of tombstones aside)."""
    found = {}
    for related in apps.get_models():
        for field in related._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is model:
                n = related._base_manager.filter(**{field.attname: pk}).count()
                if n:
                    found[f"{related._meta.label}.{field.name}"] = n
    return found


def test_the_survivor_holds_every_touchpoint_stage_event_assignment_note_and_opportunity(lead_with_history, users):
    survivor, loser = lead_with_history(), lead_with_history()
    before = {name: getattr(survivor, name).count() + getattr(loser, name).count()
              for name in ("touchpoints", "stage_events", "assignments", "notes", "opportunities")}
    result = _merge(survivor, loser, by=users["manager"])
    after = {name: getattr(survivor, name).count() for name in before}
    assert after == before
    assert result.moved == {"touchpoints.Touchpoint": 2, "leads.StageEvent": 1, "leads.Assignment": 1,
                            "leads.Note": 1, "opportunities.Opportunity": 1}


def test_a_merge_leaves_no_row_in_any_table_pointing_at_the_loser(lead_with_history, users):
    from tandem.leads.models import Lead

    earlier, loser, survivor = lead_with_history(), lead_with_history(), lead_with_history()
    _merge(loser, earlier, by=users["admin"])  # `loser` already holds a merged lead
    loser.refresh_from_db()
    assert _rows_pointing_at(Lead, loser.pk)  # the check can see rows at all
    _merge(survivor, loser, by=users["admin"])
    assert _rows_pointing_at(Lead, loser.pk) == {}
    assert Lead.objects.get(pk=earlier.pk).merged_into_id == survivor.pk  # the chain is kept short


def test_moved_rows_remember_the_lead_they_came_from(lead_with_history, users):
    first, second, survivor = lead_with_history(), lead_with_history(), lead_with_history()
    _merge(second, first, by=users["admin"])
    second.refresh_from_db()
    _merge(survivor, second, by=users["admin"])
    origins = set(survivor.touchpoints.values_list("original_lead_id", flat=True))
    assert origins == {None, first.pk, second.pk}  # the first merge's origin survives the second merge
    assert set(survivor.stage_events.values_list("original_lead_id", flat=True)) == {None, first.pk, second.pk}


@pytest.mark.parametrize("mine, theirs, kept", [
    ("granted", "unknown", "unknown"), ("granted", "withdrawn", "withdrawn"), ("unknown", "pending", "pending"),
    ("withdrawn", "granted", "withdrawn"), ("pending", "granted", "pending"), ("granted", "granted", "granted"),
    ("unknown", "granted", "unknown"), ("pending", "withdrawn", "withdrawn"),
])
def test_the_strictest_consent_wins(make_lead, users, mine, theirs, kept):
    survivor, loser = make_lead(consent_status=mine), make_lead(consent_status=theirs)
    assert _merge(survivor, loser, by=users["marketing"]).survivor.consent_status == kept


def test_the_loser_stays_as_a_pointer_and_frees_its_address(make_lead, users, tokens, api):
    from tandem.identity.selectors import lead_resolve
    from tandem.leads.models import Lead

    survivor, loser = make_lead(), make_lead(email="Sam.Berg@Example.com")
    _merge(survivor, loser, by=users["admin"])
    loser = Lead.objects.get(pk=loser.pk)
    assert (loser.merged_into_id, loser.email) == (survivor.pk, "Sam.Berg@Example.com")
    assert loser.email_normalized == f"merged:{loser.pk}:sam.berg@example.com"
    assert lead_resolve(lead_id=loser.pk) == survivor.pk
    ids = [item["id"] for item in api("GET", "/leads", tokens["admin"]["read"]).json()["items"]]
    assert loser.pk not in ids and survivor.pk in ids


def test_the_loser_address_arriving_again_lands_on_the_survivor(make_lead, users):
    from tandem.intake.services import Submission, intake_receive
    from tandem.leads.models import Lead

    survivor, loser = make_lead(), make_lead(email="sam@example.com")
    _merge(survivor, loser, by=users["admin"])
    result = intake_receive(submission=Submission(email=" SAM@example.com"), source="webhook")
    assert (result.lead.pk, result.lead_created) == (survivor.pk, False)
    assert Lead.objects.filter(merged_into__isnull=True).count() == 1


def test_the_survivor_keeps_its_stage_and_values_and_takes_only_its_blanks_from_the_loser(make_lead, make_account,
                                                                                         users):
    survivor = _lead(email="a@example.com", first_name="Ann", last_name="Berg")
    loser = _lead(email="b@example.com", first_name="Anna", title="Head of IT", phone="+49 89 1234567",
                  account_id=make_account().pk)
    stage, version = survivor.stage, survivor.version
    kept = _merge(survivor, loser, by=users["admin"]).survivor
    assert (kept.stage, kept.first_name, kept.last_name) == (stage, "Ann", "Berg")
    assert kept.account_id == loser.account_id
    assert (kept.title, kept.phone, kept.phone_normalized) == ("Head of IT", "+49 89 1234567", "+49891234567")
    assert kept.version == version + 1


def test_the_survivors_stage_history_stays_in_the_order_it_happened(make_lead, users):
    old = _lead(email="old@example.com", at=clock.now() - timedelta(days=30))
    new = make_lead("mql")
    _merge(new, old, by=users["admin"])
    history = list(new.stage_events.order_by("occurred_at", "id").values_list("occurred_at", "lead_id"))
    assert history == sorted(history)
    assert history[0][0] < clock.now() - timedelta(days=29)
    from tandem.leads.selectors import lead_stage_history

    assert [e.occurred_at for e in lead_stage_history(lead=new)] == [at for at, _ in history]


def test_a_merge_is_audited_on_both_records_and_recorded(make_lead, users):
    from tandem.audit.models import AuditEntry
    from tandem.identity.models import MergeRecord

    survivor, loser = make_lead(), make_lead(consent_status="withdrawn")
    result = _merge(survivor, loser, by=users["marketing"])
    on_survivor = AuditEntry.objects.get(action="lead.merge", object_id=str(survivor.pk))
    assert on_survivor.actor == users["marketing"]
    assert on_survivor.changes["merged_lead"] == [None, loser.pk]
    assert on_survivor.changes["consent_status"] == ["unknown", "withdrawn"]
    assert AuditEntry.objects.filter(action="lead.merged_into", object_id=str(loser.pk)).exists()
    record = MergeRecord.objects.get(pk=result.record.pk)
    assert (record.kind, record.survivor_id, record.loser_id, record.by) == ("lead", survivor.pk, loser.pk,
                                                                             users["marketing"])
    assert record.loser_snapshot["email"] == loser.email


def test_a_back_dated_merge_records_its_own_instant(make_lead, users):
    at = clock.now() - timedelta(days=400)
    result = _merge(make_lead(), make_lead(), by=users["admin"], at=at)
    assert result.at == at and result.record.occurred_at == at
    assert result.record.recorded_at > at


def test_a_stale_version_is_refused_and_nothing_moves(lead_with_history, users):
    from tandem.leads.errors import StaleVersion
    from tandem.leads.models import Lead

    survivor, loser = lead_with_history(), lead_with_history()
    Lead.objects.filter(pk=loser.pk).update(title="edited meanwhile", version=loser.version + 1)
    with pytest.raises(StaleVersion):
        _merge(survivor, loser, by=users["admin"])
    assert loser.touchpoints.count() == 2 and Lead.objects.get(pk=loser.pk).merged_into_id is None
    assert Lead.objects.get(pk=survivor.pk).version == survivor.version


def test_a_lead_cannot_be_merged_into_itself_or_merged_twice(make_lead, users):
    from tandem.identity.errors import AlreadyMerged
    from tandem.leads.errors import LeadInvalid
    from tandem.leads.models import Lead

    a, b, c = make_lead(), make_lead(), make_lead()
    with pytest.raises(LeadInvalid, match="into itself"):
        _merge(a, a, by=users["admin"])
    _merge(a, b, by=users["admin"])
    with pytest.raises(AlreadyMerged, match="already merged"):
        _merge(c, Lead.objects.get(pk=b.pk), by=users["admin"])


@pytest.mark.parametrize("role, allowed", [("marketing", True), ("manager", True), ("admin", True), ("sdr", False),
                                           ("sales", False), ("readonly", False)])
def test_only_marketing_managers_and_admins_may_merge(make_lead, users, role, allowed):
    survivor, loser = make_lead(), make_lead()
    if allowed:
        _merge(survivor, loser, by=users[role])
    else:
        with pytest.raises(PermissionDenied):
            _merge(survivor, loser, by=users[role])


def test_a_record_allowed_once_per_lead_is_kept_from_the_survivor_and_the_losers_is_dropped(make_lead, users):
    try:
        score_model = apps.get_model("scoring", "LeadScore")
    except LookupError:
        pytest.skip("no one-per-lead table installed")
    survivor, loser = make_lead(), make_lead()
    for lead, total in ((survivor, 10), (loser, 90)):
        score_model.objects.update_or_create(lead=lead, defaults={
            "total": total, "fit": 0, "engagement": total, "explanation": [], "rules_version": 1,
            "computed_at": clock.now()})
    result = _merge(survivor, loser, by=users["admin"])
    assert result.dropped == {"scoring.LeadScore": 1}
    assert list(score_model.objects.filter(lead__in=[survivor, loser]).values_list("lead_id", "total")) == [
        (survivor.pk, 10)]
    assert result.record.dropped == {"scoring.LeadScore": 1}
