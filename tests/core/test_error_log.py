"""A 500 in production leaves its traceback in the log, and the request's path without the
token an email link carries. The logging configuration is the project's own (settings.LOGGING),
exercised through the call Django's handler makes for a 500."""

from __future__ import annotations

import io
import logging

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response
from hypothesis import given
from hypothesis import strategies as st

from wiredesk.core.logs import redact

TOKEN = "MTIz:1vXyZq:k3Jd9s0Qw8PzLrT5uVbN2cXe7Yh4"


def test_a_server_error_is_logged_with_its_traceback_and_no_token():
    handler = next(h for h in logging.getLogger("django.request").handlers if h.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        request = RequestFactory().get(f"/newsletter/confirm/{TOKEN}/")
        try:
            raise RuntimeError('duplicate key value: Key (email)=(ada.reader@example.org) already exists')
        except RuntimeError as exc:
            log_response("%s: %s", "Internal Server Error", request.path, response=HttpResponse(status=500),
                         request=request, exception=exc)
    finally:
        handler.setStream(previous)
    out = stream.getvalue()
    assert "ERROR django.request Internal Server Error: /newsletter/confirm/[redacted]/" in out
    assert "Traceback (most recent call last)" in out
    assert "RuntimeError: duplicate key value: Key (email)=([address]) already exists" in out
    assert TOKEN not in out and TOKEN[:10] not in out and "ada.reader" not in out


def test_mapping_arguments_and_the_message_itself_are_cleaned_too():
    from wiredesk.core.logs import RedactTokens

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%(path)s", None, None)
    record.args = {"path": f"/releases/verify/{TOKEN}/"}
    RedactTokens().filter(record)
    assert record.getMessage() == "/releases/verify/[redacted]/"
    bare = logging.LogRecord("x", logging.ERROR, __file__, 1, f"sent to reader@example.net via {TOKEN}", None, None)
    RedactTokens().filter(bare)
    assert bare.getMessage() == "sent to [address] via [redacted]"


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:.="


@given(st.text(alphabet=ALPHABET, min_size=19, max_size=200), st.sampled_from("ABCXYZ:"), st.integers(0, 200))
def test_every_long_opaque_segment_is_taken_out(rest, marker, at):
    secret = rest[:at] + marker + rest[at:]  # a token: mixed case or a signature's colon
    assert secret not in redact(f"/x/{secret}/y") and redact(f"/x/{secret}/y") == "/x/[redacted]/y"


def test_ordinary_paths_are_kept():
    assert redact("/section/world/?page=2") == "/section/world/?page=2"
    assert redact("/story/1234-harbour-board-votes/") == "/story/1234-harbour-board-votes/"
