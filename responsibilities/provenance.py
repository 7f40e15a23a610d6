"""Where a list item came from (职责准入): admitted through an admission record, legacy (存量), or neither.

The lists app knows nothing of admissions. An item carries only `admission_ref`; the app that keeps
admission records registers a resolver here (in its AppConfig.ready) that turns refs into what the
public item page shows. With no resolver registered an admitted item still says "经准入" and its number.

    kind "admitted"    admission_ref is set
    kind "legacy"      no admission record, and the item's code was on this list in a version that took
                       effect before settings.ADMISSION_IN_FORCE_FROM (存量事项)
    kind "unadmitted"  no admission record, first listed after the admission rules took effect: a
                       township may refuse such a duty ("未经准入")
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min

_resolvers = []


def register_resolver(resolver):
    """resolver(refs: list[str]) -> {ref: AdmissionInfo}. Registered once per process (AppConfig.ready)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


@dataclass
class AdmissionInfo:
    """What the public sees of an admission record; `resources` is [(label, text)]."""

    number: str
    decided_on: datetime.date | None = None
    legal_basis: str = ""
    resources: list = field(default_factory=list)
    url: str = ""
    flags: list = field(default_factory=list)


@dataclass
class Provenance:
    kind: str
    admission: AdmissionInfo | None = None


def in_force_from():
    value = getattr(settings, "ADMISSION_IN_FORCE_FROM", None)
    return value or datetime.date.min


def resolve(refs):
    refs = [r for r in refs if r]
    found = {}
    for resolver in _resolvers:
        found.update(resolver(refs))
    return found


def item_provenance(item, duty_list):
    """The provenance of `item` (a ListItem of `duty_list`); at most two queries."""
    from responsibilities.models import ListItem, VersionStatus

    if item.admission_ref:
        info = resolve([item.admission_ref]).get(item.admission_ref) or AdmissionInfo(number=item.admission_ref)
        return Provenance("admitted", info)
    first = ListItem.objects.filter(
        version__duty_list=duty_list, code=item.code,
        version__status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED],
    ).aggregate(first=Min("version__effective_date"))["first"]
    if first is not None and first < in_force_from():
        return Provenance("legacy")
    return Provenance("unadmitted")
