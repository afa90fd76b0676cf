"""Fixtures every test gets."""

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Pages, the rail and the host -> brand map live in the caches, keyed by row ids that a
    # rolled-back test hands to the next one: nothing cached by one test may answer another.
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()
