"""Fixtures for assessment: the personas' county with a published list, and a clock to build months by hand."""

import pytest

from tests.cases.conftest import build_lists, png_bytes  # noqa: F401 - fixtures do not cross test folders


@pytest.fixture
def lists(org):
    return build_lists(org)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def at():
    """at("2026-06-08 09:00") -> a context manager that freezes time there (Asia/Shanghai)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    def make(text):
        return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)

    return make


@pytest.fixture
def report_case(org):
    from cases import services

    def make(title="夜市餐饮油烟扰民", township=None, actor=None):
        return services.case_report(actor=actor or org.reporter, township=township or org.township, title=title,
                                    description="解放路夜市多家烧烤摊油烟直排，周边居民多次反映。", address="城关街道解放路88号")

    return make
