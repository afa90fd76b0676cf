"""Per-IP limits count IPv4 addresses one by one and IPv6 by /64 network; per-mailbox limits
count the inbox an address reaches."""

import pytest

from wiredesk.core.ratelimit import Limit, hit, ip_bucket, mailbox_bucket


def test_ipv6_addresses_of_one_64_share_a_bucket():
    assert ip_bucket("2001:db8:1:2::1") == ip_bucket("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert ip_bucket("2001:db8:1:2::1") != ip_bucket("2001:db8:1:3::1")
    assert ip_bucket("192.0.2.1") != ip_bucket("192.0.2.2")
    assert ip_bucket("::ffff:192.0.2.1") == ip_bucket("192.0.2.1")


def test_rotating_through_a_64_does_not_escape_the_limit():
    limit = Limit("test-v6", 3, 600)
    waits = [hit(limit, ip_bucket(f"2001:db8:9:9::{n:x}"), now=1_000_000.0) for n in range(1, 6)]
    assert waits[:3] == [None, None, None] and all(w for w in waits[3:])


@pytest.mark.parametrize(
    "email, bucket",
    [
        ("abc@gmail.com", "mailbox:abc@gmail.com"),
        ("A.b.C+news@GoogleMail.com ", "mailbox:abc@gmail.com"),
        ("a.b.c@gmail.com", "mailbox:abc@gmail.com"),
        ("jo+x+y@example.org", "mailbox:jo@example.org"),
        ("j.o@example.org", "mailbox:j.o@example.org"),  # dots matter outside Gmail
        ('"odd@local"@example.org', 'mailbox:"odd@local"@example.org'),
        ("no-at-sign", "mailbox:no-at-sign"),
    ],
)
def test_the_mailbox_an_address_reaches(email, bucket):
    assert mailbox_bucket(email) == bucket
