"""Fixtures for the security review tests: the API tests' published list and case builder, and the case
tests' lists and case flow."""

from tests.api.conftest import duty  # noqa: F401 (re-exported fixture)
from tests.cases.conftest import flow, lists, media_root  # noqa: F401 (re-exported fixtures)
