"""Addresses that cannot receive mail from the internet are refused; addresses at ordinary
mail domains pass. Generated over the whole of each class (tests/digest/test_addresses.py
puts the same classes through both public forms)."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from wiredesk.text.emails import undeliverable_reason

# --- the classes -----------------------------------------------------------------------------

atom = st.from_regex(r"[a-z0-9_+-]{1,8}", fullmatch=True)
local_part = st.lists(atom, min_size=1, max_size=3).map(".".join)
# Labels that start with these letters can never spell a reserved name.
label = st.from_regex(r"[bcdfghmnpqrsw][a-z0-9]{0,8}(?:-[a-z0-9]{1,6})?", fullmatch=True)
mail_tld = st.sampled_from(["com", "net", "org", "au", "ca", "nz", "uk", "de", "io", "news", "info", "xn--p1ai"])
mail_domain = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(label, min_size=1, max_size=3), mail_tld)
deliverable = st.builds(lambda local, domain: f"{local}@{domain}", local_part, mail_domain)

RESERVED = ["localhost", "test", "invalid", "example", "local", "onion", "alt", "home.arpa", "in-addr.arpa",
            "internal", "example.com", "example.net", "example.org"]


def _spelled(domain: str, style: str) -> str:
    """The same name as a person or a client might write it."""
    if style == "upper":
        return domain.upper()
    if style == "title":
        return domain.title()
    if style == "trailing-dot":
        return domain + "."
    if style == "full-width":  # IDNA maps full-width letters to ASCII: still the same name
        return "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in domain)
    return domain


reserved_domain = st.builds(
    lambda labels, suffix, style: _spelled(".".join([*labels, suffix]), style),
    st.lists(label, max_size=2), st.sampled_from(RESERVED),
    st.sampled_from(["plain", "upper", "title", "trailing-dot", "full-width"]),
)
dotless_domain = st.one_of(label, st.sampled_from(["localhost", "LocalHost", "mailserver", "intranet"]))
ip_literal = st.one_of(
    st.ip_addresses(v=4).map(lambda ip: f"[{ip}]"),
    st.ip_addresses(v=6).map(lambda ip: f"[IPv6:{ip}]"),
    st.ip_addresses(v=4).map(str),  # a dotted quad without the brackets
)
undeliverable = st.builds(
    lambda local, domain: f"{local}@{domain}", local_part, st.one_of(reserved_domain, dotless_domain, ip_literal)
)


@given(address=deliverable)
def test_addresses_at_mail_domains_pass_the_rule(address):
    assert undeliverable_reason(address) is None


@given(address=undeliverable)
def test_special_use_names_dotless_domains_and_ip_literals_are_refused(address):
    reason = undeliverable_reason(address)
    assert reason and (reason.startswith("Enter") or "no mail reaches it" in reason)


@pytest.mark.parametrize("address", ["someone@localhost", "someone@LOCALHOST.", "reader@harbour.localhost",
                                     "reader@example.com", "x@mail.example.org", "x@[192.0.2.1]", "x@192.0.2.1"])
def test_the_reported_cases(address):
    assert undeliverable_reason(address)
