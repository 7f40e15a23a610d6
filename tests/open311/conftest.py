from tests.api.conftest import api_for, duty  # noqa: F401 - shared fixtures
