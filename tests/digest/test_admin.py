"""The daily email's admin: subscribers with their consent record, export and erase, editions
with their counts, the unknown deliveries, and "send today's daily email now"."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.web.factories import make_brand, make_source, store
from wiredesk.digest.models import Delivery, Edition, MailEvent, Subscriber
from wiredesk.digest.selectors import edition_counts

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc
DAY = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
SUBSCRIBERS = "/admin/digest/subscriber/"
EDITIONS = "/admin/digest/edition/"
DELIVERIES = "/admin/digest/delivery/"


def make_edition(brand, day: int) -> Edition:
    date = (DAY + dt.timedelta(days=day)).date()
    return Edition.objects.create(brand=brand, date=date, since=DAY, cutoff=DAY, subject=f"{brand.name} daily: {date}",
                                  status=Edition.Status.DONE)


@pytest.fixture
def world():
    brand = make_brand("Harbour Herald", ["harbour.example"])
    bay = make_brand("Bay Courier", ["bay.example"])
    alice = Subscriber.objects.create(
        brand=brand, email="alice@example.org", sections=["world", "sports"], status=Subscriber.Status.CONFIRMED,
        signup_ip="203.0.113.9", confirmation_sent_at=DAY - dt.timedelta(days=3, minutes=5),
        confirmed_at=DAY - dt.timedelta(days=3), confirmed_ip="198.51.100.44", confirmed_user_agent="Mozilla/5.0 Probe",
    )
    bob = Subscriber.objects.create(brand=brand, email="bob@example.org")
    carol = Subscriber.objects.create(brand=bay, email="carol@example.net", status=Subscriber.Status.CONFIRMED)
    edition = make_edition(brand, 0)
    states = ["sent"] * 3 + ["failed", "unknown", "unknown", "pending"]
    rows = []
    for n, state in enumerate(states):
        subscriber = alice if n == 0 else Subscriber.objects.create(
            brand=brand, email=f"reader{n}@example.com", status=Subscriber.Status.CONFIRMED)
        rows.append(Delivery.objects.create(edition=edition, subscriber=subscriber, state=state))
    MailEvent.objects.create(subscriber=alice, delivery=rows[0], kind="hard-bounce", esp="Mailgun",
                             esp_event_id="t-1", occurred_at=DAY)
    Subscriber.objects.filter(pk=rows[1].subscriber_id).update(
        status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now() + dt.timedelta(minutes=5))
    return {"brand": brand, "bay": bay, "alice": alice, "bob": bob, "carol": carol, "edition": edition,
            "deliveries": rows}


def cell(html: str, column: str) -> list[str]:
    return re.findall(rf'class="field-{column}[^"]*">(.*?)</t[dh]>', html, re.S)


# --- Subscribers ----------------------------------------------------------------------------

def test_subscriber_list_search_and_filters(staff, world):
    html = staff.get(SUBSCRIBERS).content.decode()
    assert "alice@example.org" in html and "bob@example.org" in html and "carol@example.net" in html
    assert "World, Sports" in html
    html = staff.get(SUBSCRIBERS, {"q": "ALICE@example"}).content.decode()
    assert "alice@example.org" in html and "bob@example.org" not in html
    html = staff.get(SUBSCRIBERS, {"status__exact": "pending"}).content.decode()
    assert "bob@example.org" in html and "alice@example.org" not in html
    html = staff.get(SUBSCRIBERS, {"brand__id__exact": world["bay"].pk}).content.decode()
    assert "carol@example.net" in html and "alice@example.org" not in html


def test_subscriber_page_shows_the_consent_record_read_only(staff, world):
    page = staff.get(f"{SUBSCRIBERS}{world['alice'].pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Consent record" in html
    for shown in ("203.0.113.9", "198.51.100.44", "Mozilla/5.0 Probe", "alice@example.org"):
        assert shown in html
    for field in ("confirmed_ip", "confirmed_at", "signup_ip", "confirmed_user_agent", "email", "status"):
        assert f'name="{field}"' not in html
    assert re.search(r'<input[^>]*name="sections"[^>]*value="sports"[^>]*checked', html)


def test_staff_change_sections_but_cannot_add_subscribers(staff, world):
    url = f"{SUBSCRIBERS}{world['alice'].pk}/change/"
    assert staff.post(url, {"sections": ["world", "local"], "_save": "Save"}).status_code == 302
    assert Subscriber.objects.get(pk=world["alice"].pk).sections == ["world", "local"]
    assert staff.get(f"{SUBSCRIBERS}add/").status_code == 403


def test_export_downloads_the_data_as_json(staff, world):
    selected = [world["alice"].pk, world["bob"].pk]
    response = staff.post(SUBSCRIBERS, {"action": "export_data", "_selected_action": selected})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="subscriber-data-')
    data = json.loads(response.content)
    alice, bob = data["subscribers"]
    assert (alice["email"], bob["email"]) == ("alice@example.org", "bob@example.org")
    assert alice["consent"]["confirmed_ip"] == "198.51.100.44"
    assert alice["brand"]["name"] == "Harbour Herald" and alice["sections"] == ["world", "sports"]
    assert [(d["edition_date"], d["state"]) for d in alice["deliveries"]] == [("2026-03-02", "sent")]
    assert [e["kind"] for e in alice["mail_events"]] == ["hard-bounce"]
    assert bob["status"] == "pending" and bob["deliveries"] == []


def test_erase_asks_first_then_erases_and_keeps_the_counts(staff, world):
    edition = world["edition"]
    before = edition_counts(editions=[edition])
    list_before = staff.get(EDITIONS).content.decode()
    selected = {"action": "erase", "_selected_action": [world["alice"].pk]}

    confirm = staff.post(SUBSCRIBERS, selected)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "alice@example.org" in html and "cannot be undone" in html and 'name="confirm_erase"' in html
    assert Subscriber.objects.filter(pk=world["alice"].pk).exists()

    done = staff.post(SUBSCRIBERS, {**selected, "confirm_erase": "yes"}, follow=True)
    assert "1 subscriber(s) erased" in done.content.decode()
    assert not Subscriber.objects.filter(email="alice@example.org").exists()
    assert edition_counts(editions=[edition]) == before
    list_after = staff.get(EDITIONS).content.decode()
    for column in ("sent", "failed", "unknown_link", "pending", "bounced"):
        assert cell(list_after, column) == cell(list_before, column)


def test_bulk_delete_is_not_offered(staff, world):
    html = staff.get(SUBSCRIBERS).content.decode()
    assert 'value="delete_selected"' not in html and 'value="erase"' in html


# --- Editions -------------------------------------------------------------------------------

def test_edition_list_shows_the_counts(staff, world):
    html = staff.get(EDITIONS).content.decode()
    edition = world["edition"]
    assert cell(html, "date") and "Harbour Herald" in html
    assert cell(html, "sent") == ["3"] and cell(html, "failed") == ["1"] and cell(html, "pending") == ["1"]
    assert cell(html, "bounced") == ["1"] and cell(html, "unsubscribed_since") == ["1"]
    (unknown,) = cell(html, "unknown_link")
    assert ">2</a>" in unknown
    assert f"edition__id__exact={edition.pk}" in unknown and "state__exact=unknown" in unknown


def test_edition_list_query_count_does_not_grow_with_editions(staff, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(EDITIONS).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for day in range(1, 13):
        edition = make_edition(world["brand"] if day % 2 else world["bay"], day)
        Delivery.objects.create(edition=edition, subscriber=world["alice"], state="sent")
    assert Edition.objects.count() == 13
    assert queries() == few


def test_unknown_deliveries_are_listed_for_staff(staff, world):
    edition = world["edition"]
    unknown = [d for d in world["deliveries"] if d.state == "unknown"]
    others = [d for d in world["deliveries"] if d.state != "unknown"]
    html = staff.get(DELIVERIES, {"edition__id__exact": edition.pk, "state__exact": "unknown"}).content.decode()
    for d in unknown:
        assert f"{DELIVERIES}{d.pk}/change/" in html
    for d in others:
        assert f"{DELIVERIES}{d.pk}/change/" not in html
    page = staff.get(f"{EDITIONS}{edition.pk}/change/").content.decode()
    assert "deliveries with unknown outcome" in page.lower()
    for d in unknown:
        assert f"subscriber {d.subscriber_id}" in page
    assert "7 in all" in page and "state__exact=unknown" in page


def test_records_are_read_only(staff, world):
    delivery = world["deliveries"][0]
    assert staff.get(f"{DELIVERIES}add/").status_code == 403
    page = staff.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert 'name="state"' not in page and "Delete" not in page
    assert staff.get(f"{EDITIONS}add/").status_code == 403
    assert 'name="status"' not in staff.get(f"{EDITIONS}{world['edition'].pk}/change/").content.decode()
    assert staff.get(f"{EDITIONS}{world['edition'].pk}/delete/").status_code == 403
    events = staff.get("/admin/digest/mailevent/").content.decode()
    assert "hard bounce" in events
    assert staff.get("/admin/digest/mailevent/add/").status_code == 403


def test_admin_needs_login(client, world):
    assert client.get(SUBSCRIBERS).status_code == 302
    export = {"action": "export_data", "_selected_action": [world["alice"].pk]}
    assert client.post(SUBSCRIBERS, export).status_code == 302


# --- Send now -------------------------------------------------------------------------------

@pytest.fixture
def newsroom():
    wire = make_source("Harbour Wire")
    busy = make_brand("Port Ellis Post", ["ellis.example"], sources=[wire])
    quiet = make_brand("Quiet Gazette", ["quiet.example"], sources=[make_source("Silent Wire")])
    store(wire, "Ferry timetable changes for the winter", section="world")
    return busy, quiet


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_send_now_twice_gives_one_edition(staff, newsroom):
    busy, quiet = newsroom
    url = f"{EDITIONS}send-now/"
    assert staff.get(url).status_code == 200
    first = staff.post(url, {"brands": [busy.pk, quiet.pk]}, follow=True)
    assert Edition.objects.filter(brand=busy).count() == 1
    assert not Edition.objects.filter(brand=quiet).exists()
    text = " ".join(messages_of(first))
    assert "Port Ellis Post: today's edition" in text and "opened and queued" in text
    assert "Quiet Gazette: nothing new" in text

    edition = Edition.objects.get(brand=busy)
    again = staff.post(EDITIONS, {"action": "send_today", "_selected_action": [edition.pk]}, follow=True)
    assert Edition.objects.filter(brand=busy).count() == 1
    assert any("today's edition" in m and ("already being sent" in m or "was already sent" in m)
               for m in messages_of(again))


def test_send_now_is_offered_from_the_edition_list(staff, world):
    html = staff.get(EDITIONS).content.decode()
    assert f'href="{EDITIONS}send-now/"' in html and 'value="send_today"' in html


def test_viewers_cannot_send_or_erase(client, django_user_model, world):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "", "a-long-test-password", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(content_type__app_label="digest",
                                                          codename__startswith="view_"))
    client.force_login(viewer)
    html = client.get(SUBSCRIBERS).content.decode()
    assert "alice@example.org" in html and 'value="erase"' not in html
    client.post(SUBSCRIBERS, {"action": "erase", "_selected_action": [world["alice"].pk], "confirm_erase": "yes"})
    assert Subscriber.objects.filter(pk=world["alice"].pk).exists()
    assert 'value="send_today"' not in client.get(EDITIONS).content.decode()
    assert client.get(f"{EDITIONS}send-now/").status_code == 403
