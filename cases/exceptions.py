"""Errors raised by cases.services. Views turn them into messages/403/404, the API into 403/404/409.

Bad input is django.core.exceptions.ValidationError (field errors), not one of these.
"""

from django.utils.translation import gettext_lazy as _


class CaseError(Exception):
    """Base class; `message` is a sentence in Chinese that can be shown to the user as it is."""

    default_message = _("操作未能完成。")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class CasePermissionDenied(CaseError):
    """The actor has no role on this case for this action (HTML: 403 or 404, API: 403/404)."""

    default_message = _("您无权对该事项执行此操作。")


class CaseConflict(CaseError):
    """The transition is not allowed from the case's current state, or someone else acted first (API: 409)."""

    default_message = _("该事项的状态已经变化，此操作无法执行。请刷新页面查看最新进展。")
