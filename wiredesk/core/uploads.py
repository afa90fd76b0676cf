"""A cap on the whole of a request's uploads, before anything reaches a view.

Django parses a multipart body as soon as anything reads ``request.POST`` (the CSRF check
does, before the view and its rate limits run) and streams files above the memory threshold
to temporary files with no limit of its own. This handler, first in the chain, refuses the
request (400) once the body passes ``settings.UPLOAD_MAX_BYTES``, so one request cannot fill the
disk; the per-file and per-form limits with their messages stay in the forms.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadCapHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.UPLOAD_MAX_BYTES:
            raise RequestDataTooBig("The upload is larger than this site accepts.")
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            raise RequestDataTooBig("The upload is larger than this site accepts.")
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None
