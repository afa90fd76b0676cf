from pathlib import Path

import pytest

from wiredesk.project import env

ROOT = Path(__file__).resolve().parents[2]


def test_configuration_doc_is_generated_from_the_table():
    assert (ROOT / "docs" / "configuration.md").read_text() == env.markdown()


def test_defaults_are_embedded():
    values = env.load({})
    assert values["DATABASE_URL"] == "" and values["CELERY_BROKER_URL"] == "" and values["CACHE_URL"] == ""
    assert values["WIREDESK_PORT"] == 8000
    assert values["WIREDESK_FETCH_ALLOW_NETWORKS"] == ()


def test_values_are_typed():
    values = env.load({"WIREDESK_PORT": "9000", "WIREDESK_DEBUG": "yes", "WIREDESK_FETCH_ALLOW_NETWORKS": "127.0.0.1/32, ::1/128"})
    assert values["WIREDESK_PORT"] == 9000
    assert values["WIREDESK_DEBUG"] is True
    assert values["WIREDESK_FETCH_ALLOW_NETWORKS"] == ("127.0.0.1/32", "::1/128")


@pytest.mark.parametrize("name, raw", [("WIREDESK_PORT", "eighty"), ("WIREDESK_PORT", "-1"), ("WIREDESK_DEBUG", "maybe")])
def test_bad_values_name_the_variable(name, raw):
    with pytest.raises(env.ConfigError, match=name):
        env.load({name: raw})
