"""Who sees which figures and who may act (issue 11, "Who sees what").

- assessors (考核办) and supervisors of a county or a level above: every body of the county, the full
  ranking; assessors also configure the formula and close/reopen months;
- reviewers of exemption requests: assessors, or supervisors of the level above the body (the county);
- a department (its officers and supervisors): its own figures and its own rank;
- a township (its reporters and supervisors): its own figures and its own rank;
- the public: the published summary of closed months (assessment.views.public_summary).
"""

from dataclasses import dataclass, field

from governance.models import Level, Role, Unit, UnitKind
from governance.selectors import memberships_of


@dataclass
class Viewer:
    county: Unit
    full: bool = False  # every body and the whole ranking
    assessor: bool = False
    reviewer: bool = False
    own_ids: set = field(default_factory=set)  # bodies whose own figures the viewer sees

    def may_see(self, body):
        return self.full or body.pk in self.own_ids


def _county_of(unit):
    """The county government a county-level unit belongs to (itself, or the parent of a department)."""
    if unit.level != Level.COUNTY:
        return None
    if unit.kind == UnitKind.GOVERNMENT:
        return unit.pk
    return unit.parent_id


def counties_for(user):
    """County governments the user has any assessment view of, by id -> Viewer."""
    viewers = {}
    higher = []
    for m in memberships_of(user):
        unit = m.unit
        if m.role in (Role.ASSESSOR, Role.SUPERVISOR) and unit.level in (Level.CENTRAL, Level.PROVINCE, Level.CITY):
            higher.append(m)
            continue
        if unit.level == Level.TOWNSHIP and unit.kind == UnitKind.GOVERNMENT and m.role in (Role.REPORTER,
                                                                                            Role.SUPERVISOR):
            v = viewers.setdefault(unit.parent_id, Viewer(county=None))
            v.own_ids.add(unit.pk)
            continue
        county_id = _county_of(unit)
        if county_id is None:
            continue
        v = viewers.setdefault(county_id, Viewer(county=None))
        if m.role == Role.ASSESSOR:
            v.full = v.assessor = v.reviewer = True
        elif m.role == Role.SUPERVISOR and unit.kind == UnitKind.GOVERNMENT:
            v.full = v.reviewer = True
        elif unit.kind == UnitKind.DEPARTMENT and m.role in (Role.OFFICER, Role.SUPERVISOR):
            v.own_ids.add(unit.pk)
    counties = {u.pk: u for u in Unit.objects.filter(pk__in=list(viewers))}
    for m in higher:
        for county in Unit.objects.filter(path__startswith=m.unit.path, level=Level.COUNTY, kind=UnitKind.GOVERNMENT):
            counties[county.pk] = county
            v = viewers.setdefault(county.pk, Viewer(county=None))
            v.full = v.reviewer = True
            v.assessor = v.assessor or m.role == Role.ASSESSOR
    out = {}
    for county_id, v in viewers.items():
        if county_id in counties and (v.full or v.own_ids):
            v.county = counties[county_id]
            out[county_id] = v
    return out


def viewer_for(user, county_id=None):
    """The Viewer of one county (the first one when not given), or None: no assessment view at all."""
    viewers = counties_for(user)
    if not viewers:
        return None
    if county_id is None:
        return viewers[sorted(viewers, key=lambda pk: (not viewers[pk].full, viewers[pk].county.path))[0]]
    return viewers.get(int(county_id))


def may_request_exemption(user, body):
    """A body's own staff ask for its exemptions: township reporters/supervisors, department officers/supervisors."""
    return any(m.unit_id == body.pk and m.role in (Role.REPORTER, Role.OFFICER, Role.SUPERVISOR)
               for m in memberships_of(user))


def bodies_for_request(user):
    return [m.unit for m in memberships_of(user)
            if m.role in (Role.REPORTER, Role.OFFICER, Role.SUPERVISOR)
            and (m.unit.is_department or m.unit.is_township)]
