"""Reads of the insights app (the stored findings; nothing is recomputed per view)."""

from cases.models import Case
from insights import permissions
from insights.models import Finding


def county_for(user, county_id=None):
    """The county the user reads (the requested one, or the first), or None: no access."""
    counties = permissions.counties_for(user)
    if county_id is not None:
        return next((c for c in counties if str(c.pk) == str(county_id)), None)
    return counties[0] if counties else None


def findings_of(county, start, end):
    """The period's findings, heaviest first, each with `.cases` (number, title, pk) of its evidence: two queries."""
    findings = list(Finding.objects.filter(county=county, period_start=start, period_end=end)
                    .select_related("unit").order_by("-weight", "pk"))
    ids = {pk for f in findings for pk in f.case_ids}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=ids).only("pk", "number", "title")}
    for f in findings:
        f.cases = [cases[pk] for pk in f.case_ids if pk in cases]
    return findings
