"""The import tests' data lives in each test's transaction, which the import's background thread
(its own connection) cannot see: the import runs in the request unless a test says otherwise."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _import_in_the_request(settings):
    settings.JIGSAW_IMPORT_IN_BACKGROUND = False
