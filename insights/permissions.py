"""Who sees the findings (堵点) of a county: its supervisors (county government, or a city/province above) and its
list editors, who act on them. Departments and townships do not see the ranking of jams."""

from governance.models import Level, Role, Unit, UnitKind
from governance.selectors import memberships_of

ROLES = (Role.SUPERVISOR, Role.EDITOR)
HIGHER = (Level.CENTRAL, Level.PROVINCE, Level.CITY)


def membership_unit_reads(unit):
    """Whether a supervisor's or editor's membership of `unit` gives findings to read (the home tile asks too)."""
    return unit.kind == UnitKind.GOVERNMENT and (unit.level == Level.COUNTY or unit.level in HIGHER)


def counties_for(user):
    """The county governments whose findings the user may read, ordered by path."""
    county_ids, higher_paths = set(), []
    for m in memberships_of(user):
        if m.role not in ROLES or not membership_unit_reads(m.unit):
            continue
        if m.unit.level == Level.COUNTY:
            county_ids.add(m.unit.pk)
        else:
            higher_paths.append(m.unit.path)
    counties = Unit.objects.filter(level=Level.COUNTY, kind=UnitKind.GOVERNMENT)
    found = {u.pk: u for u in counties.filter(pk__in=county_ids)}
    for path in higher_paths:
        found.update({u.pk: u for u in counties.filter(path__startswith=path)})
    return sorted(found.values(), key=lambda u: u.path)
