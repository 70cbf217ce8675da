"""Scoring rules are versioned data: exported and imported as YAML/JSON through the CLI and the API."""

import json

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.leads.models import Lead
from tandem.scoring.models import RulesVersion

pytestmark = pytest.mark.django_db


def test_export_then_import_an_edited_rulebook_makes_a_new_version_with_a_summary(tmp_path, capsys, make_lead):
    lead = make_lead()
    path = tmp_path / "rules.yaml"
    call_command("scoring", "rules", "export", str(path))
    document = yaml.safe_load(path.read_text())
    document["fit"][0]["points"] = 20  # C-level titles weigh more
    path.write_text(yaml.safe_dump(document))
    call_command("scoring", "rules", "import", str(path), "--note", "C-level matters")
    out = capsys.readouterr().out
    assert "Published rules version 2: fit rule title_chief: points changed" in out
    version = RulesVersion.objects.get(number=2)
    assert version.note == "C-level matters" and "+      \"points\": 20," in version.diff
    call_command("scoring", "recompute", "--now", "2026-03-02T09:00:00Z")
    assert Lead.objects.get(pk=lead.pk).score == 19 + 12
    assert "Rescored" in capsys.readouterr().out


def test_a_broken_rulebook_is_refused_naming_each_problem_by_its_path(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"fit": [{"id": "x", "field": "shoe_size", "op": "gte", "value": 40, "points": 1},
                                       {"id": "y", "field": "title", "op": "greater", "points": 1}]}))
    with pytest.raises(CommandError) as error:
        call_command("scoring", "rules", "import", str(path))
    assert "fit[1].op: 'greater' is not one of equals" in str(error.value)
    path.write_text(json.dumps({"fit": [{"id": "x", "field": "shoe_size", "op": "gte", "value": 40, "points": 1}]}))
    with pytest.raises(CommandError, match=r"fit\[0\].field: unknown field 'shoe_size'"):
        call_command("scoring", "rules", "import", str(path))
    path.write_text(json.dumps({"fit": [{"id": "x", "field": "employees", "op": "contains", "value": "a",
                                         "points": 1}]}))
    with pytest.raises(CommandError, match="is numeric"):
        call_command("scoring", "rules", "import", str(path))
    assert RulesVersion.objects.count() == 1


def test_the_api_imports_yaml_text_and_exports_json(api, tokens):
    text = "half_life_days: 7\nengagement:\n  - {id: demo, channel: meeting, points: 30}\n"
    reply = api("POST", "/scoring/rules/import", tokens["admin"]["write"], json={"text": text, "note": "lean"})
    assert reply.status_code == 201 and reply.json()["number"] == 2
    exported = api("GET", "/scoring/rules/export", tokens["sdr"]["read"], query={"format": "json"})
    assert json.loads(exported.content) == {"half_life_days": 7, "engagement": [
        {"id": "demo", "channel": "meeting", "points": 30}]}
    broken = api("POST", "/scoring/rules/import", tokens["admin"]["write"], json={"document": {"fit": "nope"}})
    assert broken.status_code == 422 and broken.json()["problems"] == ["fit: expected a list of rules"]
    same = api("POST", "/scoring/rules/import", tokens["admin"]["write"], json={"text": text})
    assert same.status_code == 422 and "identical to version 2" in same.json()["detail"]


def test_the_lead_page_shows_the_explained_score(client, users, make_lead):
    lead = make_lead()
    client.force_login(users["marketing"])
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'aria-label="Why this score"' in page
    assert "C-level title" in page and "+8" in page and "DACH (home market)" in page


def test_the_scoring_pages_render_for_every_role(client, users):
    for user in users.values():
        client.force_login(user)
        assert client.get("/scoring/").status_code == 200
        assert client.get("/scoring/predictive/").status_code == 200
