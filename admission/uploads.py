"""Attachments of admission requests: photos checked as case photos are (cases.uploads.inspect_image), PDF
documents checked by content: the file must start with a PDF header and end with the %%EOF marker; its name
does not count."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.uploads import inspect_image

PDF = "application/pdf"


def inspect_pdf(upload):
    name = getattr(upload, "name", "") or _("（未命名）")
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(max(upload.size - 1024, 0))
    tail = upload.read()
    upload.seek(0)
    if not head.startswith(b"%PDF-") or b"%%EOF" not in tail:
        raise ValidationError(
            _("“%(name)s”不是有效的 PDF 文件，只能上传 PDF 文件或 JPG、PNG、GIF、WEBP 格式的照片。") % {"name": name},
            code="not_pdf",
        )
    return PDF


def inspect_attachment(upload):
    """The content type of a PDF or an image, checked by content; else ValidationError."""
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        return inspect_image(upload)  # its size message
    upload.seek(0)
    is_pdf = upload.read(5) == b"%PDF-"
    upload.seek(0)
    if is_pdf or (getattr(upload, "name", "") or "").lower().endswith(".pdf"):
        return inspect_pdf(upload)
    return inspect_image(upload)


def validate_attachments(files):
    files = [f for f in (files or ()) if f]
    if len(files) > settings.MAX_ATTACHMENTS_PER_UPLOAD:
        raise ValidationError(
            _("一次最多上传 %(max)d 个文件，您选择了 %(n)d 个。") % {"max": settings.MAX_ATTACHMENTS_PER_UPLOAD, "n": len(files)},
            code="too_many",
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append((upload, inspect_attachment(upload)))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


