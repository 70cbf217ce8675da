"""Likely duplicates: same address (+tags and case ignored), same phone, same name at the same company."""

import pytest

pytestmark = pytest.mark.django_db


def _lead(email, first="Pat", last="Lee", phone="", account=None, country=""):
    from tandem.leads.services import LeadData, lead_create

    return lead_create(data=LeadData(email=email, first_name=first, last_name=last, phone=phone, country=country,
                                     account_id=account.pk if account else None), by=None)


def _groups(user, reason):
    from tandem.identity.selectors import lead_duplicate_groups

    return {g.key: sorted(lead.pk for lead in g.leads) for g in lead_duplicate_groups(user=user, reason=reason)}


def test_addresses_that_differ_only_by_a_plus_tag_are_grouped(users):
    a, b = _lead("pat@example.com"), _lead("pat+newsletter@example.com")
    _lead("pat.other@example.com", first="Other")
    assert _groups(users["admin"], "email") == {"pat@example.com": [a.pk, b.pk]}


def test_a_lead_created_under_an_address_merged_into_another_lead_is_grouped_with_it(users):
    from tandem.identity.services import lead_merge
    from tandem.leads.models import Lead

    survivor, loser = _lead("kim@example.com", first="Kim"), _lead("kim.old@example.com", first="Kim")
    lead_merge(survivor=survivor, loser=loser, by=users["admin"])
    again = _lead("kim.old@example.com", first="Kim", last="Again")  # through the API, say, not the front door
    assert _groups(users["admin"], "email") == {"kim.old@example.com": [survivor.pk, again.pk]}
    assert Lead.objects.get(pk=loser.pk).merged_into_id == survivor.pk


def test_the_same_phone_in_any_notation_is_grouped(users):
    a = _lead("a@example.com", phone="+49 30 1234567")
    b = _lead("b@example.com", phone="030 1234567", country="DE")
    _lead("c@example.com", phone="+49 30 7654321")
    assert _groups(users["admin"], "phone") == {"+49301234567": [a.pk, b.pk]}


def test_the_same_name_at_the_same_company_is_grouped(users, make_account):
    acme = make_account(domain="acme.example")
    a = _lead("pat@acme.example", account=acme)
    b = _lead("p.lee@acme.example", first=" PAT", last="lee")  # no account: the email's domain counts
    _lead("pat.lee@globex.example")  # same name, another company
    assert _groups(users["admin"], "name") == {"pat lee @ acme.example": [a.pk, b.pk]}


def test_merged_leads_are_not_duplicates_any_more(users):
    from tandem.identity.services import lead_merge

    a, b = _lead("a@example.com", phone="+49 30 1234567"), _lead("b@example.com", phone="+49 30 1234567")
    lead_merge(survivor=a, loser=b, by=users["admin"])
    assert _groups(users["admin"], "phone") == {}


def test_each_role_sees_only_the_duplicates_among_the_leads_it_may_see(users, make_lead):
    from tandem.leads.models import Lead

    a, b = make_lead("mql"), make_lead("sal")
    Lead.objects.filter(pk__in=[a.pk, b.pk]).update(phone_normalized="+15550001")
    assert len(_groups(users["manager"], "phone")["+15550001"]) == 2
    assert "+15550001" not in _groups(users["sdr"], "phone")  # only one of the two is in the SDR's queue


def test_the_api_lists_groups_per_reason_and_pages_through_them(api, tokens):
    for n in range(5):
        _lead(f"a{n}@example.com", phone=f"+49 30 100000{n}")
        _lead(f"b{n}@example.com", phone=f"+49 30 100000{n}")
    first = api("GET", "/identity/duplicates", tokens["readonly"]["read"], query={"reason": "phone", "limit": 3}).json()
    assert [g["key"] for g in first["groups"]] == ["+49301000000", "+49301000001", "+49301000002"]
    assert first["next_after"] == {"phone": "+49301000002"}
    rest = api("GET", "/identity/duplicates", tokens["readonly"]["read"],
               query={"reason": "phone", "limit": 3, "after": first["next_after"]["phone"]}).json()
    assert [g["key"] for g in rest["groups"]] == ["+49301000003", "+49301000004"] and rest["next_after"]["phone"] is None
    group = rest["groups"][0]
    assert group["reason_text"] == "Same phone number" and {"id", "email", "version", "stage"} <= set(group["leads"][0])
    everything = api("GET", "/identity/duplicates", tokens["readonly"]["read"]).json()
    assert set(everything["next_after"]) == {"email", "phone", "name"}


def test_an_unknown_reason_is_refused_by_name(api, tokens):
    response = api("GET", "/identity/duplicates", tokens["admin"]["read"], query={"reason": "shoe_size"})
    assert response.status_code == 422 and response.json()["field"] == "reason"


def test_accounts_with_the_same_name_are_listed(api, tokens, make_account):
    a, b = make_account(name="Acme GmbH"), make_account(name=" acme gmbh")
    make_account(name="Globex")
    groups = api("GET", "/identity/duplicates/accounts", tokens["sales"]["read"]).json()
    assert [(g["key"], sorted(x["id"] for x in g["accounts"])) for g in groups] == [("acme gmbh", [a.pk, b.pk])]


def test_the_duplicates_page_lists_groups_and_offers_a_merge_to_those_who_may(client, users, make_account):
    a = _lead("sam@example.com", first="Sam", phone="+49 30 5550000")
    b = _lead("sam+x@example.com", first="Sam", phone="+49 30 5550000")
    client.force_login(users["marketing"])
    page = client.get("/identity/duplicates/").content.decode()
    assert "Same phone number" in page and "+49305550000" in page and "sam+x@example.com" in page
    assert f"survivor={a.pk}&amp;loser={b.pk}" in page
    client.force_login(users["readonly"])
    page = client.get("/identity/duplicates/").content.decode()
    assert "sam+x@example.com" in page and "Merge into" not in page


def test_the_page_costs_the_same_queries_for_few_groups_or_many(client, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/identity/duplicates/").status_code == 200
        return len(captured)

    client.force_login(users["manager"])
    for n in range(2):
        _lead(f"a{n}@example.com", phone=f"+49 30 200000{n}")
        _lead(f"b{n}@example.com", phone=f"+49 30 200000{n}")
    few = queries()
    for n in range(2, 12):
        _lead(f"a{n}@example.com", phone=f"+49 30 20000{n:02d}")
        _lead(f"b{n}@example.com", phone=f"+49 30 20000{n:02d}")
    assert queries() == few


def test_the_proposed_survivor_is_the_lead_furthest_along_and_never_a_detour(client, users, make_lead):
    from tandem.leads.models import Lead

    mql, sal, disqualified = make_lead("mql"), make_lead("sal"), make_lead("mql")
    Lead.objects.filter(pk=disqualified.pk).update(stage="disqualified")
    Lead.objects.filter(pk__in=[mql.pk, sal.pk, disqualified.pk]).update(phone_normalized="+15550002")
    client.force_login(users["manager"])
    page = client.get("/identity/duplicates/?reason=phone").content.decode()
    assert f"survivor={sal.pk}&amp;loser={mql.pk}" in page and f"survivor={sal.pk}&amp;loser={disqualified.pk}" in page
