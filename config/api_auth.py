"""API token authentication with an expiry (settings.API_TOKEN_TTL_HOURS).

A token older than its lifetime is refused (401) and deleted; signing in again issues a new one.
Tokens are also revoked when their user's password changes or the user is deactivated
(governance.signals), and by their owner (DELETE /api/v1/auth/token/).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expires_at(token):
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_expired(token, now=None):
    return (now or timezone.now()) >= token_expires_at(token)


def token_for(user):
    """The user's live token, a new one if they had none or it expired."""
    token = Token.objects.filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return user, token
