"""The page, the API and the CLI show the same report: one selector, one serializer, the same bytes."""

from __future__ import annotations

import json
from decimal import Decimal

QUERY = {"level": "pipeline", "dimension": "channel", "from": "2026-01-01", "to": "2026-03-31"}


def test_the_api_and_the_cli_return_the_same_bytes(ledger, api, tokens, capsys):
    from tandem.attribution.cli import main

    response = api("GET", "/attribution", tokens["readonly"]["read"], query=QUERY)
    assert response.status_code == 200
    assert response["X-Tandem-Cache"] == "miss"
    assert main(["--from", "2026-01-01", "--to", "2026-03-31", "--level", "pipeline", "--by", "channel",
                 "--json"]) == 0
    printed = capsys.readouterr().out
    assert printed == response.content.decode() + "\n"
    again = api("GET", "/attribution", tokens["sales"]["read"], query=QUERY)
    assert again["X-Tandem-Cache"] == "hit" and again.content == response.content


def test_the_cli_is_reached_through_tandem_attribution_without_a_path_file(ledger, capsys):
    from tandem.attribution_cli import main

    assert main(["--period", "2026-Q1", "--level", "revenue", "--by", "campaign", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["level"]["key"] == "revenue" and payload["totals"]["value"] == "1000.00"


def test_the_cli_prints_tables_and_refuses_bad_arguments_with_status_2(ledger, capsys):
    from tandem.attribution.cli import main

    assert main(["--period", "2026-Q1", "--level", "pipeline"]) == 0
    out = capsys.readouterr().out
    assert "Pipeline created, Q1 2026: value (EUR) credited by channel" in out and "1,700.00" in out
    assert main(["--period", "2026-Q1", "--level", "bookings"]) == 2
    assert "--level: must be one of sourced, pipeline, revenue" in capsys.readouterr().err


def test_the_page_shows_the_numbers_the_api_returns(ledger, api, tokens, client, users):
    body = api("GET", "/attribution", tokens["marketing"]["read"], query=QUERY).json()
    client.force_login(users["readonly"])
    page = client.get("/attribution/", QUERY)
    assert page.status_code == 200
    html = page.content.decode()
    assert "From the cache" in html  # the API computed it; the page read the same entry
    for row in body["rows"]:
        assert f"<td class=\"label\">{row['label']}</td>" in html
        for cell in row["credit"].values():
            assert f"<td class=\"num\">{Decimal(cell['value']):,.0f}</td>" in html
    chart = json.loads(html.split('id="attribution-chart" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"] == [r["label"] for r in body["rows"]]
    first = next(d for d in chart["datasets"] if d["label"] == "First")
    assert first["data"] == [float(r["credit"]["first_touch"]["value"]) for r in body["rows"]]


def test_the_page_filters_with_htmx_and_explains_each_model(ledger, client, users):
    client.force_login(users["sdr"])
    partial = client.get("/attribution/", {**QUERY, "level": "sourced", "segment": "mid"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200 and html.startswith('<div id="attribution-body"')
    assert "All the credit to the journey&#x27;s first touch." in html
    assert "segment mid" in html


def test_bad_input_is_a_422_naming_the_field(ledger, api, tokens, client, users):
    response = api("GET", "/attribution", tokens["admin"]["read"], query={**QUERY, "models": "linear,magic"})
    assert response.status_code == 422 and response.json()["field"] == "models"
    response = api("GET", "/attribution", tokens["admin"]["read"], query={**QUERY, "to": "2025-12-01"})
    assert response.status_code == 422 and response.json()["field"] == "to"
    client.force_login(users["admin"])
    page = client.get("/attribution/", {**QUERY, "dimension": "colour"})
    assert page.status_code == 422 and "dimension: must be one of channel, campaign, content" in page.content.decode()


def test_the_page_needs_a_sign_in(client):
    assert client.get("/attribution/").status_code == 302
