from django.conf import settings

from config.navigation import public_tiles, role_tiles
from governance.selectors import roles_of, unread_notification_count


def chuishao(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PUBLIC_HOTLINE": settings.PUBLIC_HOTLINE,
        "user_roles": roles_of(user) if signed_in else set(),
        "unread_notifications": unread_notification_count(user) if signed_in else 0,
        "nav_items": role_tiles(user) if signed_in else public_tiles(),
    }
