import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from wiredesk.core import env

ROOT = Path(__file__).resolve().parents[2]


def test_configuration_doc_is_generated_from_the_table():
    assert (ROOT / "docs" / "configuration.md").read_text() == env.markdown()


def test_defaults_are_embedded():
    values = env.load({})
    assert values["DATABASE_URL"] == "" and values["CELERY_BROKER_URL"] == "" and values["CACHE_URL"] == ""
    assert values["WIREDESK_PORT"] == 8000
    assert values["WIREDESK_FETCH_ALLOW_NETWORKS"] == ()
    assert values["WIREDESK_QUEUE"] == "celery"  # Celery's own default: queued tasks survive an upgrade


def test_values_are_typed():
    values = env.load({"WIREDESK_PORT": "9000", "WIREDESK_DEBUG": "yes", "WIREDESK_FETCH_ALLOW_NETWORKS": "127.0.0.1/32, ::1/128"})
    assert values["WIREDESK_PORT"] == 9000
    assert values["WIREDESK_DEBUG"] is True
    assert values["WIREDESK_FETCH_ALLOW_NETWORKS"] == ("127.0.0.1/32", "::1/128")
    assert env.load({"WIREDESK_QUEUE": " site-b.tasks "})["WIREDESK_QUEUE"] == "site-b.tasks"


@pytest.mark.parametrize("name, raw", [("WIREDESK_PORT", "eighty"), ("WIREDESK_PORT", "-1"), ("WIREDESK_DEBUG", "maybe"),
                                       ("WIREDESK_QUEUE", ""), ("WIREDESK_QUEUE", "a queue"),
                                       ("WIREDESK_QUEUE", "q\u00e9"), ("WIREDESK_QUEUE", "a/b"),
                                       ("WIREDESK_QUEUE", "amq.tasks"), ("WIREDESK_QUEUE", "q" * 201)])
def test_bad_values_name_the_variable(name, raw):
    with pytest.raises(env.ConfigError, match=name):
        env.load({name: raw})



def test_the_demo_runs_with_debug_off_unless_asked():
    """`make run` shows what production shows; WIREDESK_DEBUG=true is the user's choice."""

    def debug_of_make_run(environ: dict) -> str:
        # -n prints run's recipe without running it; a "+" line runs anyway, and a prerequisite
        # of run sees the variables run exports.
        show = ["--eval", "run: wd-show-debug", "--eval", "wd-show-debug: ; +@echo DEBUG=[$$WIREDESK_DEBUG]"]
        done = subprocess.run(["make", "-n", "-C", str(ROOT), "run", *show], capture_output=True, text=True,
                              env=environ, timeout=60)
        return [line for line in done.stdout.splitlines() if line.startswith("DEBUG=")][-1]

    base = {k: v for k, v in os.environ.items() if k != "WIREDESK_DEBUG"}
    assert env.load({})["WIREDESK_DEBUG"] is False
    assert debug_of_make_run(base) == "DEBUG=[]"
    assert debug_of_make_run({**base, "WIREDESK_DEBUG": "true"}) == "DEBUG=[true]"


@given(port=st.integers(min_value=1, max_value=65535), scheme=st.sampled_from(["", "http", "https"]))
def test_a_plain_shell_builds_the_links_make_run_builds(port, scheme):
    """`make run` once exported WIREDESK_PUBLIC_PORT=$(WIREDESK_PORT); a command typed in
    another shell, with only WIREDESK_PORT set, must build the same links."""
    shell = {"WIREDESK_PORT": str(port), "WIREDESK_PUBLIC_SCHEME": scheme}
    got_scheme, got_port = env.public_address(env.load(shell))
    assert (got_scheme, got_port) == env.public_address(env.load({**shell, "WIREDESK_PUBLIC_PORT": str(port)})) or (
        got_port == "" and port == {"http": 80, "https": 443}[got_scheme]
    )
    assert got_scheme == (scheme or "http")


@given(port=st.integers(min_value=1, max_value=65535), public=st.sampled_from(["", "443", "8443"]))
def test_production_links_carry_only_a_port_that_was_asked_for(port, public):
    values = env.load({"WIREDESK_ENV": "production", "WIREDESK_PORT": str(port), "WIREDESK_PUBLIC_PORT": public})
    assert env.public_address(values) == ("https", public)


@pytest.mark.parametrize(
    ("url", "jit_off", "expected"),
    [
        ("postgres://u@db:5432/wd", "true", "-c jit=off"),
        ("postgres://u@db:5432/wd?options=-c%20statement_timeout%3D5000", "true", "-c statement_timeout=5000 -c jit=off"),
        ("postgres://u@db:5432/wd?options=-c%20jit%3Don", "true", "-c jit=on"),  # the URL's own choice wins
        ("postgres://u@db:5432/wd", "false", None),  # behind a pooler that refuses startup options
    ],
)
def test_postgresql_connections_turn_jit_off_unless_told_not_to(tmp_path, url, jit_off, expected):
    environ = {**os.environ, "DATABASE_URL": url, "WIREDESK_POSTGRES_JIT_OFF": jit_off,
               "WIREDESK_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    code = "from wiredesk.project import settings; print(settings.DATABASES['default']['OPTIONS'].get('options'))"
    done = subprocess.run([os.sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(expected)
