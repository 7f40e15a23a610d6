"""Open311 API keys (governance.ApiClientKey): issued to one township, stored as a SHA-256 digest only.

Each key reports through its own service account (username "open311-<key id>", a reporter of the key's
township that cannot sign in), so the audit trail says which external system reported a case.
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import ApiClientKey, Membership, Role


def key_digest(clear_key):
    return hashlib.sha256(clear_key.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, name, unit):
    """Issue a key to a township. Returns (ApiClientKey, clear_key); only the digest is stored, so the
    clear key must be shown to the administrator now and never again."""
    if not unit.is_township:
        raise ValidationError({"unit": _("接入密钥只能发给乡镇（街道）。")})
    clear = "o311_" + secrets.token_urlsafe(30)
    key = ApiClientKey.objects.create(name=name, unit=unit, key_prefix=clear[:12], key_digest=key_digest(clear))
    service_account_for(key)
    return key, clear


def service_account_for(key):
    """The per-key reporter account: named after the client, member of the township, cannot sign in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=f"open311-{key.pk}", defaults={"first_name": f"{key.name}（Open311）"[:150], "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(
        user=user, unit=key.unit, role=Role.REPORTER, defaults={"is_active": True, "title": "Open311"}
    )
    return user


def api_key_authenticate(clear_key):
    """The active key for this clear key (township active too), or None. Records when it was last used."""
    if not clear_key:
        return None
    key = (
        ApiClientKey.objects.select_related("unit")
        .filter(key_digest=key_digest(clear_key.strip()), is_active=True, unit__is_active=True)
        .first()
    )
    if key is not None:
        ApiClientKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key

