"""Static files built once per release: `collectstatic` fills WIREDESK_STATIC_ROOT (a folder
that ships with the release), and a web server started elsewhere with the same variable serves
them without a step of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# collectstatic and a web server over files, no database: the PostgreSQL pass has nothing to add.
pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def test_collectstatic_fills_the_release_folder_and_a_web_server_serves_it(tmp_path):
    release = tmp_path / "release" / "static"
    production = {"WIREDESK_ENV": "production", "WIREDESK_SECRET_KEY": "a-build-machine-secret-of-enough-length-1234"}
    env = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path / "builder"), WIREDESK_STATIC_ROOT=str(release),
               **production)
    done = subprocess.run([sys.executable, "-m", "wiredesk", "collectstatic", "--noinput", "-v", "0"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (release / "desk" / "sources.css").is_file() and (release / "admin" / "css" / "base.css").is_file()
    manifest = json.loads((release / "staticfiles.json").read_text())["paths"]
    hashed = manifest["desk/sources.css"]
    assert hashed != "desk/sources.css" and (release / f"{hashed}.gz").is_file()
    assert not any((tmp_path / "builder" / "static").rglob("*.css"))  # nothing in the builder's data folder
    # Another machine: its own (empty) data folder, the release's static folder.
    serve = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path / "web-machine"), WIREDESK_STATIC_ROOT=str(release),
                 **production)
    code = ("from django.templatetags.static import static; from django.test import Client; "
            "url = static('desk/sources.css'); "
            "r = Client().get(url, HTTP_HOST='localhost', secure=True); "
            "print(r.status_code, url, r.get('Cache-Control'), b''.join(r.streaming_content if r.streaming else [r.content])[:40])")
    got = subprocess.run([sys.executable, "-m", "wiredesk", "shell", "--no-imports", "-c", code], env=serve,
                         capture_output=True, text=True, timeout=120)
    assert got.stdout.startswith(f"200 /static/{hashed} "), got.stdout + got.stderr[-2000:]
    assert "immutable" in got.stdout and "The desk" in got.stdout  # the hashed name, cached for good
