"""API tokens end with the credentials they were issued for: a changed password or a deactivated
account deletes the user's tokens, whichever way the change is made (admin, a service, manage.py
changepassword). Browser sessions end by Django's own session hash check on a password change."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save


def _revoke_tokens_on_credential_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user_id=instance.pk).delete()


def connect():
    pre_save.connect(_revoke_tokens_on_credential_change, sender=get_user_model(),
                     dispatch_uid="governance.revoke_tokens_on_credential_change")
