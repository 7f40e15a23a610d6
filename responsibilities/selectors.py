"""Reads for responsibility lists. First version; the lists issue extends it (keep these signatures,
the cases app depends on them)."""

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, Value, When

from responsibilities.models import ListItem, ListVersion, VersionStatus


def published_versions_for_unit(unit):
    """The published list versions that apply to `unit`: lists tailored for it, and lists of its level
    made by one of its ancestors (e.g. 示范县's township list applies to every township of 示范县)."""
    ancestor_ids = unit.ancestor_ids()
    return ListVersion.objects.filter(status=VersionStatus.PUBLISHED).filter(
        Q(duty_list__unit=unit)
        | Q(duty_list__unit__isnull=True, duty_list__level=unit.level, duty_list__jurisdiction_id__in=ancestor_ids)
    )


def item_search(query, *, for_unit=None, kinds=None, limit=10):
    """Published items matching plain Chinese words, title matches first.

    Chinese has no spaces between words, so matching is by substring on each whitespace-separated term
    (every term must appear in title, description, keywords or legal basis).
    """
    terms = [t for t in (query or "").split() if t]
    if not terms:
        return []
    items = ListItem.objects.filter(version__status=VersionStatus.PUBLISHED)
    if for_unit is not None:
        items = items.filter(version__in=published_versions_for_unit(for_unit))
    if kinds:
        items = items.filter(kind__in=kinds)
    for term in terms:
        items = items.filter(
            Q(title__icontains=term) | Q(description__icontains=term) | Q(keywords__icontains=term)
            | Q(legal_basis__icontains=term)
        )
    title_hit = Q()
    for term in terms:
        title_hit &= Q(title__icontains=term)
    items = items.annotate(
        title_rank=SqlCase(When(title_hit, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).select_related("department", "version__duty_list")
    return list(items.order_by("title_rank", "position", "code")[:limit])
