"""Static files built once per release: `collectstatic` fills WIREDESK_STATIC_ROOT (a folder
that ships with the release), and a web server started elsewhere with the same variable serves
them without a step of its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_collectstatic_fills_the_release_folder_and_a_web_server_serves_it(tmp_path):
    release = tmp_path / "release" / "static"
    env = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path / "builder"), WIREDESK_STATIC_ROOT=str(release))
    done = subprocess.run([sys.executable, "-m", "wiredesk", "collectstatic", "--noinput", "-v", "0"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (release / "desk" / "sources.css").is_file() and (release / "admin" / "css" / "base.css").is_file()
    assert not any((tmp_path / "builder" / "static").rglob("*.css"))  # nothing in the builder's data folder
    # Another machine: its own (empty) data folder, the release's static folder.
    serve = dict(os.environ, WIREDESK_DATA_DIR=str(tmp_path / "web-machine"), WIREDESK_STATIC_ROOT=str(release))
    code = ("from django.test import Client; r = Client().get('/static/desk/sources.css', HTTP_HOST='localhost'); "
            "print(r.status_code, b''.join(r.streaming_content if r.streaming else [r.content])[:40])")
    got = subprocess.run([sys.executable, "-m", "wiredesk", "shell", "--no-imports", "-c", code], env=serve,
                         capture_output=True, text=True, timeout=120)
    assert got.stdout.startswith("200 "), got.stdout + got.stderr[-2000:]
    assert "The desk" in got.stdout
