"""Photo uploads for cases: images only, checked by content (Pillow), never by file name.

Limits come from settings MAX_ATTACHMENTS_PER_UPLOAD and MAX_ATTACHMENT_BYTES. Used by the report,
resolve and answer forms and by the services (so the API gets the same checks).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Pillow format -> the content type we store and serve. Anything else is refused.
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def inspect_image(upload):
    """Return the content type of an uploaded image, or raise ValidationError. Reads the content."""
    name = getattr(upload, "name", "") or _("（未命名）")
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），每个文件不能超过 %(max)s。")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(settings.MAX_ATTACHMENT_BYTES)},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()  # structural check of the whole file
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s”不是可识别的图片，只能上传 JPG、PNG、GIF 或 WEBP 格式的照片。") % {"name": name},
            code="not_image",
        )
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("“%(name)s”的图片格式不受支持，只能上传 JPG、PNG、GIF 或 WEBP 格式的照片。") % {"name": name},
            code="bad_format",
        )
    return ALLOWED_FORMATS[image_format]


def validate_photos(files):
    """Check a batch of uploads; returns [(upload, content_type)]. Collects every file's error."""
    files = [f for f in (files or ()) if f]
    if len(files) > settings.MAX_ATTACHMENTS_PER_UPLOAD:
        raise ValidationError(
            _("一次最多上传 %(max)d 张照片，您选择了 %(n)d 张。")
            % {"max": settings.MAX_ATTACHMENTS_PER_UPLOAD, "n": len(files)},
            code="too_many",
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append((upload, inspect_image(upload)))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def attachment_response(attachment):
    """Serve a stored photo inline, private and never content-sniffed; a file missing on disk is a 404."""
    from django.http import FileResponse, Http404

    try:
        handle = attachment.file.open("rb")
    except OSError:  # FileNotFoundError included
        raise Http404
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
