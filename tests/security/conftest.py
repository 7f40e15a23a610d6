"""Fixtures for the security review tests: the API tests' published list and case builder."""

from tests.api.conftest import duty  # noqa: F401 (re-exported fixture)
