"""The pages enforce the same rules as the API: what a role may not do through the API it may not do here."""

import pytest

from tandem.leads.models import Note

pytestmark = pytest.mark.django_db


def test_read_only_cannot_add_a_note_even_by_posting_directly(client, users, make_lead):
    lead = make_lead("mql")
    client.force_login(users["readonly"])
    response = client.post(f"/leads/{lead.pk}/notes/", {"body": "sneaky"}, follow=True)
    assert Note.objects.count() == 0
    assert "may not add notes" in response.content.decode()


def test_read_only_cannot_move_a_lead_from_the_page(client, users, make_lead):
    lead = make_lead("mql")
    client.force_login(users["readonly"])
    response = client.post(f"/leads/{lead.pk}/move/", {"to_stage": "tal", "version": lead.version})
    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.stage == "mql"


def test_a_sales_rep_cannot_open_a_lead_outside_their_queue(client, users, make_lead):
    lead = make_lead("mql")
    client.force_login(users["sales"])
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html and 'class="mainnav"' in html  # Tandem's own page, navigation included


@pytest.mark.parametrize("path", ["/", "/leads/", "/definitions/", "/tokens/", "/leads/?stage=mql&q=pers"])
def test_every_role_can_open_the_main_pages(client, users, make_lead, path):
    make_lead("mql")
    for user in users.values():
        client.force_login(user)
        assert client.get(path).status_code == 200, (user.role, path)


def test_pages_ask_for_a_sign_in(client):
    response = client.get("/leads/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_text_is_rendered_escaped(client, users, make_account):
    from tandem.leads.services import LeadData, lead_create

    lead = lead_create(data=LeadData(email="x@example.com", first_name="<script>alert(1)</script>",
                                     title='"><img src=x onerror=alert(1)>'), by=None)
    client.force_login(users["manager"])
    for path in (f"/leads/{lead.pk}/", "/leads/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
