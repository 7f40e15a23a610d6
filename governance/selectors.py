"""Reads for the governance app, with the access rules every other app builds on."""

from governance.models import Membership, Notification, Role, Unit, UnitKind


def memberships_of(user):
    """The user's active memberships with their units, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_chuishao_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, unit__is_active=True)
            .select_related("unit")
            .order_by("unit__path", "role")
        )
        user._chuishao_memberships = cached
    return cached


def roles_of(user):
    return {m.role for m in memberships_of(user)}


def has_role(user, role, unit=None):
    return any(m.role == role and (unit is None or m.unit_id == unit.pk) for m in memberships_of(user))


def subtree_q(units, field="path"):
    """A Q matching units inside any of the given units' subtrees (each unit included)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for unit in units:
        q |= Q(**{f"{field}__startswith": unit.path})
    return q


# --- Which dispatch centre covers a township: the one rule (permissions, visibility, queues, reports) ---
# A dispatch centre (指挥调度中心) covers every unit in its parent's subtree: 示范县基层治理指挥中心 covers the
# townships of 示范县. A township may be covered by several (county and city): the nearest comes first.


def dispatch_area_path(centre):
    """The path of the area a dispatch centre covers (its parent's path), or "" if it covers nothing."""
    if centre.kind != UnitKind.DISPATCH or not centre.parent_id:
        return ""
    return centre.path[: -len(f"{centre.pk}/")]


def dispatch_covers(centre, unit):
    area = dispatch_area_path(centre)
    return bool(area) and unit.path.startswith(area)


def dispatch_coverage_q(centres, field="township__path"):
    """A Q matching rows whose `field` (a unit path) lies in the area of any of the centres."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for centre in centres:
        area = dispatch_area_path(centre)
        if area:
            q |= Q(**{f"{field}__startswith": area})
    return q


def dispatch_centres_for(unit):
    """The active dispatch centres covering `unit`, nearest first."""
    centres = Unit.objects.filter(kind=UnitKind.DISPATCH, parent_id__in=unit.ancestor_ids(), is_active=True)
    return sorted(centres, key=lambda centre: (-centre.path.count("/"), centre.path))


def unit_subtree(unit):
    return Unit.objects.filter(path__startswith=unit.path)


def unit_ancestors(unit):
    """Ancestors nearest first (parent, grandparent, ...)."""
    ids = unit.ancestor_ids()
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    return [by_id[pk] for pk in reversed(ids)]


def supervisors_of(unit):
    """Active users with the supervisor role in this unit (督办 recipients)."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(
            memberships__unit=unit, memberships__role=Role.SUPERVISOR, memberships__is_active=True, is_active=True
        ).distinct()
    )


def members_with_role(unit, role):
    from django.contrib.auth import get_user_model

    return list(
        get_user_model().objects.filter(
            memberships__unit=unit, memberships__role=role, memberships__is_active=True, is_active=True
        ).distinct()
    )


def unread_notification_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def _group_key():
    """What groups notifications: their subject ("case:123"), or the notification itself when it has none."""
    from django.db.models import Case, CharField, F, Value, When
    from django.db.models.functions import Cast, Concat

    return Case(When(subject="", then=Concat(Value("n:"), Cast("id", CharField()))), default=F("subject"),
                output_field=CharField())


def notification_groups(user):
    """The user's notifications one row per case (subject), newest activity first: each row has `key`,
    `latest`, `total` and `unread`. Paginate it, then `notification_group_items` fills in one page."""
    from django.db.models import Count, Max, Q

    return (
        Notification.objects.filter(recipient=user).annotate(key=_group_key()).values("key")
        .annotate(latest=Max("created_at"), total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
        .order_by("-latest", "key")
    )


def notification_group_items(user, groups):
    """Attach `items` (newest first) to each group of one page, in one query."""
    keys = [g["key"] for g in groups]
    by_key = {}
    for n in notification_list(user).annotate(key=_group_key()).filter(key__in=keys):
        by_key.setdefault(n.key, []).append(n)
    for g in groups:
        g["items"] = by_key.get(g["key"], [])
        g["first"] = g["items"][0] if g["items"] else None
    return groups


def notification_ids_in_groups(user, keys):
    return list(Notification.objects.filter(recipient=user).annotate(key=_group_key()).filter(key__in=keys)
                .values_list("pk", flat=True))


def display_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.first_name or user.username
