"""The admin sign-in locks out an address and a user name after repeated failures (django-axes).

Every test signs in through the real admin login view with Django's test client; the client
address is the REMOTE_ADDR (or X-Forwarded-For behind configured proxies) each request
carries. Cool-off is tested by moving the stored attempt times, never by waiting.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "right-horse-battery-staple"
LIMIT = 3
USERS = ("chief", "editor", "nobody")  # "nobody" has no account


@pytest.fixture
def accounts(settings, django_user_model):
    # (A fast hasher for every test: tests/conftest.py.)
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    django_user_model.objects.create_superuser("chief", "", PASSWORD)
    django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    return settings


def sign_in(username: str, password: str, *, ip: str = "192.0.2.10", **headers):
    """POST the admin login form from ``ip``; the response and whether a session was opened."""
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)
    return response, "_auth_user_id" in client.session


def assert_locked_out(response, signed_in: bool) -> None:
    assert response.status_code == 429 and not signed_in
    text = response.content.decode()
    assert "Too many failed sign-ins" in text and "Please try again after" in text
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_failures_lock_out_even_the_right_password(accounts):
    for _ in range(LIMIT - 1):
        response, signed_in = sign_in("chief", "wrong")
        assert response.status_code == 200 and not signed_in
    assert_locked_out(*sign_in("chief", "wrong"))  # the failure that reaches the limit
    assert_locked_out(*sign_in("chief", PASSWORD))


@pytest.mark.django_db
def test_an_address_is_locked_out_across_user_names(accounts):
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", ip="198.51.100.7")
    assert_locked_out(*sign_in("chief", PASSWORD, ip="198.51.100.7"))
    response, signed_in = sign_in("chief", PASSWORD, ip="198.51.100.8")
    assert response.status_code == 302 and signed_in


@pytest.mark.django_db
def test_a_user_name_is_locked_out_across_addresses(accounts):
    for n in range(LIMIT):
        sign_in("chief", "wrong", ip=f"203.0.113.{n + 1}")
    assert_locked_out(*sign_in("chief", PASSWORD, ip="203.0.113.200"))
    response, signed_in = sign_in("editor", PASSWORD, ip="203.0.113.200")
    assert response.status_code == 302 and signed_in


@pytest.mark.django_db
def test_rotating_through_an_ipv6_64_is_one_address(accounts):
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", ip=f"2001:db8:5:6::{n + 1:x}")
    assert_locked_out(*sign_in("chief", PASSWORD, ip="2001:db8:5:6:ffff::1"))
    response, signed_in = sign_in("chief", PASSWORD, ip="2001:db8:5:7::1")
    assert response.status_code == 302 and signed_in


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_trusted_proxies(accounts):
    accounts.TRUSTED_PROXY_HOPS = 0
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", ip="192.0.2.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
    assert_locked_out(*sign_in("chief", PASSWORD, ip="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.99"))


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_client_counts(accounts):
    accounts.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"
    for n in range(LIMIT):
        sign_in(f"guess{n}", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert_locked_out(*sign_in("chief", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.66"))
    # Another client behind the same proxy is not held by the first one's failures.
    response, signed_in = sign_in("chief", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.67")
    assert response.status_code == 302 and signed_in
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}


@pytest.mark.django_db
def test_retry_after_and_the_page_say_when_the_cool_off_ends(accounts):
    for _ in range(LIMIT):
        sign_in("chief", "wrong")
    before = timezone.now()
    response, _ = sign_in("chief", PASSWORD)
    after = timezone.now()
    # A refused attempt is a failure too, so the cool-off runs from the newest one.
    ends = AccessAttempt.objects.order_by("-attempt_time").first().attempt_time + dt.timedelta(minutes=15)
    wait = int(response["Retry-After"])
    assert (ends - after).total_seconds() <= wait <= (ends - before).total_seconds() + 1
    assert f"after <strong>{ends:%H:%M} UTC</strong>" in response.content.decode()
    assert "in about 15 minutes" in response.content.decode()


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(accounts):
    for _ in range(LIMIT):
        sign_in("chief", "wrong", ip="192.0.2.20")
    assert_locked_out(*sign_in("chief", PASSWORD, ip="192.0.2.21"))
    # Move every recorded failure to just before the cool-off window: nothing holds any more.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=15, seconds=1))
    response, signed_in = sign_in("chief", PASSWORD, ip="192.0.2.20")
    assert response.status_code == 302 and signed_in


@pytest.mark.django_db
def test_lockouts_are_listed_in_the_admin_and_an_admin_can_lift_one(accounts, django_user_model):
    for n in range(LIMIT):
        sign_in("chief", "wrong", ip=f"203.0.113.{n + 1}")
    assert_locked_out(*sign_in("chief", PASSWORD))
    other = Client()
    other.force_login(django_user_model.objects.create_superuser("deputy", "", PASSWORD))
    listing = other.get("/admin/axes/accessattempt/?locked_out=yes").content.decode()
    listing_all = other.get("/admin/axes/accessattempt/").content.decode()
    assert "203.0.113.1" in listing_all and "chief" in listing_all
    assert other.get("/admin/axes/accessattempt/").status_code == 200 and listing
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = other.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": ids, "post": "yes",
    })
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    response, signed_in = sign_in("chief", PASSWORD)
    assert response.status_code == 302 and signed_in


# Each client address and the network a lockout counts it by: IPv4 one by one, IPv6 by /64.
NETWORKS = {
    "192.0.2.1": "192.0.2.1", "192.0.2.2": "192.0.2.2", "::ffff:192.0.2.2": "192.0.2.2",
    "2001:db8::1": "2001:db8::/64", "2001:db8::ff:2": "2001:db8::/64", "2001:db8:0:1::1": "2001:db8:0:1::/64",
}
attempts = st.lists(st.tuples(st.sampled_from(sorted(NETWORKS)), st.sampled_from(USERS), st.booleans()), max_size=12)


@pytest.mark.django_db
@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=attempts)
def test_any_sequence_of_sign_ins_follows_the_lockout_rule(accounts, sequence):
    """Whatever mix of addresses, names and passwords: a sign-in is refused exactly when its
    address or its user name has LIMIT failures (refused attempts count as failures too), and
    the right password opens a session otherwise."""
    AccessAttempt.objects.all().delete()
    by_ip: dict[str, int] = {}
    by_user: dict[str, int] = {}
    for ip, user, right in sequence:
        net = NETWORKS[ip]
        held = by_ip.get(net, 0) >= LIMIT or by_user.get(user, 0) >= LIMIT
        succeeds = right and user != "nobody" and not held
        response, signed_in = sign_in(user, PASSWORD if right else "wrong", ip=ip)
        if succeeds:
            assert response.status_code == 302 and signed_in
            continue
        by_ip[net] = by_ip.get(net, 0) + 1
        by_user[user] = by_user.get(user, 0) + 1
        now_held = by_ip[net] >= LIMIT or by_user[user] >= LIMIT
        assert not signed_in
        assert response.status_code == (429 if now_held else 200), (ip, user, right, by_ip, by_user)
