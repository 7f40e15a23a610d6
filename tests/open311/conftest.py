import pytest

from tests.api.conftest import api_for, duty  # noqa: F401 - shared fixtures


@pytest.fixture
def api_key(org):
    """A key issued to 城关街道, as the admin does: (ApiClientKey, clear key)."""
    from cases.open311 import api_key_issue

    return api_key_issue(name="示范县12345热线", unit=org.township)
