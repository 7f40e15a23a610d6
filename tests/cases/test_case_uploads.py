"""Photos: images only (by content), at most 5 files of 10 MB; nothing half-written on failure."""

import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import Attachment, Case
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db


def _report(org, photos):
    return services.case_report(actor=org.reporter, township=org.township, title="道路塌陷",
                                description="人民路与建设路交叉口路面塌陷约一平方米。", address="人民路", photos=photos)


def test_a_real_image_with_a_misleading_name_is_accepted_by_content(org, lists, media_root):
    case = _report(org, [SimpleUploadedFile("scan.pdf", png_bytes(), content_type="application/pdf")])
    att = case.attachments.get()
    assert att.content_type == "image/png" and att.original_name == "scan.pdf"
    assert os.path.exists(att.file.path)


def test_a_non_image_named_like_a_photo_is_refused(org, lists, media_root):
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        _report(org, [fake])
    assert "不是可识别的图片" in str(excinfo.value.message_dict["photos"])
    assert Case.objects.count() == 0


def test_more_than_five_files_are_refused(org, lists, media_root, settings):
    files = [SimpleUploadedFile(f"{i}.png", png_bytes()) for i in range(settings.MAX_ATTACHMENTS_PER_UPLOAD + 1)]
    with pytest.raises(ValidationError) as excinfo:
        _report(org, files)
    assert "最多" in str(excinfo.value.message_dict["photos"])


def test_a_file_over_the_size_limit_is_refused(org, lists, media_root, settings):
    settings.MAX_ATTACHMENT_BYTES = 50
    with pytest.raises(ValidationError) as excinfo:
        _report(org, [SimpleUploadedFile("big.png", png_bytes(size=(64, 64)))])
    assert "太大" in str(excinfo.value.message_dict["photos"])


def test_a_failure_after_storing_files_removes_them_and_the_case(org, lists, media_root, monkeypatch):
    import cases.services as case_services

    def boom(*args, **kwargs):
        raise RuntimeError("disk full while writing the event")

    monkeypatch.setattr(case_services, "case_event_write", boom)
    with pytest.raises(RuntimeError):
        _report(org, [SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("b.png", png_bytes())])
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    stored = [f for _, _, files in os.walk(media_root) for f in files]
    assert stored == []
