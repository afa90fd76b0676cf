import pytest

from wiredesk.text.urls import canonical_url, is_http_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM", "https://news.example.com/"),
        ("http://news.example.com:80/a", "http://news.example.com/a"),
        ("https://news.example.com:443/a", "https://news.example.com/a"),
        ("https://news.example.com:8443/a", "https://news.example.com:8443/a"),
        ("https://news.example.com/a#comments", "https://news.example.com/a"),
        (
            "https://news.example.com/story?id=7&utm_source=rss&utm_Medium=feed&page=2&fbclid=abc",
            "https://news.example.com/story?id=7&page=2",
        ),
        (
            "https://news.example.com/s?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5&igshid=6&yclid=7&_ga=8&ref_src=9&cmpid=10",
            "https://news.example.com/s",
        ),
        ("https://news.example.com/s?q=a%20b&x=%2F", "https://news.example.com/s?q=a%20b&x=%2F"),
        ("https://news.example.com/s?b=2&a=1", "https://news.example.com/s?b=2&a=1"),
        ("https://news.example.com/s?flag&UTM_CAMPAIGN=x", "https://news.example.com/s?flag"),
        ("https://news.example.com/Path/Case", "https://news.example.com/Path/Case"),
        ("https://User:Pw@News.Example.com:443/", "https://User:Pw@news.example.com/"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://news.example.com/a  ", "https://news.example.com/a"),
        ("mailto:desk@example.org", "mailto:desk@example.org"),
        ("/relative/only", "/relative/only"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("../b/c.html?utm_source=x", "https://Wire.Example.org/a/z/index.html", "https://wire.example.org/a/b/c.html"),
        ("//cdn.example.net", "https://wire.example.org/", "https://cdn.example.net/"),
        ("https://other.example.com/x", "https://wire.example.org/", "https://other.example.com/x"),
        ("", "https://wire.example.org/a?b=1#c", "https://wire.example.org/a?b=1"),
    ],
)
def test_canonical_url_with_base(url, base, expected):
    assert canonical_url(url, base_url=base) == expected


def test_canonical_url_is_idempotent():
    once = canonical_url("HTTP://Example.com:80?utm_source=a&k=v#f")
    assert once == "http://example.com/?k=v"
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/", True),
        ("HTTP://example.org", True),
        (" https://example.org/x ", True),
        ("ftp://example.org/", False),
        ("javascript:alert(1)", False),
        ("https://", False),
        ("/local/path", False),
        ("http://[::1", False),
        ("", False),
    ],
)
def test_is_http_url(url, expected):
    assert is_http_url(url) is expected
