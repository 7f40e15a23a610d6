"""Residents' personal data (群众个人信息, PIPL): the one home of every rule about a resident's name and phone.

    can_see_unmasked(user, case)   who sees them in clear: the reporting township, the covering dispatch
                                   centre and the lead department (they call the resident back); everyone
                                   else who may see the case sees them masked (张*, 138****1234)
    resident_view(user, case, channel)
                                   what to show this user: the clear values (and one ResidentDataAccess row
                                   recording who, when, which case, which channel) or the masked ones.
                                   The case page (cases.views) and the API (cases.api) call it; Open311,
                                   emails, the search and its Excel export carry no resident data at all,
                                   and the admin leaves the two fields out
    mask_contacts(text)            free text with ID, mobile and landline numbers masked: what the public
                                   reads (Open311's description, address and status notes), and a case's
                                   texts (CASE_TEXT_FIELDS, event reasons) for whoever sees the resident
                                   masked, on the page and in the API (text_for)
    anonymise_due(now)             the retention sweep: RESIDENT_DATA_RETENTION_DAYS after a case is closed
                                   (closed, withdrawn, returned) its resident's name and phone are blanked,
                                   with one case.resident_anonymised event; idempotent (lock, re-check)
    access_request_export(user, phone)
                                   what the platform holds about a resident (by phone), for an access request
                                   under PIPL §45; county-or-higher supervisors (their area) and administrators
                                   (everything); itself logged, one row per case disclosed
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.audit import CaseAction, case_event_write
from cases.choices import CaseState
from governance.models import LEVEL_ORDER, Level, Role, UnitKind
from governance.selectors import display_name, memberships_of

# States after which a case is nobody's work any more: the retention period runs from closed_at.
FINISHED_STATES = [CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.RETURNED]
_ACCESS_LEVELS = set(LEVEL_ORDER[: LEVEL_ORDER.index(Level.COUNTY) + 1])


def mask_name(name):
    """张三丰 → 张**; keeps the family name only."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else ("*" if name else "")


def mask_phone(phone):
    """13800001234 → 138****1234; a short number keeps no more than its last two digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else ""


# Contact details written into free text (a description, a resolution note): an 18-digit resident ID
# (身份证号), a mainland mobile number with or without spaces or dashes, a landline with its area code.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(?P<prefix>\+?86[ -]?)?(?P<number>1[3-9][0-9](?:[ -]?[0-9]){8})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])\(?0[1-9][0-9]{1,2}\)?[ -]?[1-9][0-9]{6,7}(?![0-9])")


def mask_contacts(text):
    """The text with every resident ID, mobile and landline number in it masked (110***********1234,
    138****1234): what the public reads of a case (Open311's GET) — a clerk often writes the caller's
    number into the description, and it must not be published with it."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: f"{m[0][:3]}{'*' * 11}{m[0][-4:]}", text)
    text = _MOBILE.sub(lambda m: (m["prefix"] or "") + mask_phone(m["number"]), text)
    return _LANDLINE.sub(lambda m: mask_phone(m[0]), text)


def can_see_unmasked(user, case):
    return permissions.can_see_resident(user, case)


# A case's free text — what the township wrote and the notes written on it — carries the caller's number as
# often as the resident fields do. Whoever sees the resident in clear reads it as written; everyone else who
# may see the case reads it with its contact numbers masked, as they read the resident's own fields.
CASE_TEXT_FIELDS = ("description", "address", "triage_note", "resolution_note", "return_reason", "feedback_comment",
                    "info_request_text")


def text_for(clear, text):
    """`text` for a viewer who sees residents in clear (`clear`: ResidentView.texts_clear) or not."""
    return text if clear else mask_contacts(text)


@dataclass(frozen=True)
class ResidentView:
    name: str
    phone: str
    unmasked: bool
    texts_clear: bool  # can_see_unmasked, whether or not the case has a resident: the case's texts (text_for)

    @property
    def present(self):
        return bool(self.name or self.phone)


def _log(user, cases, channel, data=None):
    from cases.models import ResidentDataAccess

    name = display_name(user)
    ResidentDataAccess.objects.bulk_create([
        ResidentDataAccess(case=case, actor=user, actor_name=name, channel=channel, data=data or {})
        for case in cases
    ])


def resident_view(user, case, channel):
    """The resident's data as this user may see it; a clear view is recorded before it is returned."""
    clear = can_see_unmasked(user, case)
    if not (case.resident_name or case.resident_phone):
        return ResidentView("", "", False, clear)
    if not clear:
        return ResidentView(mask_name(case.resident_name), mask_phone(case.resident_phone), False, False)
    _log(user, [case], channel)
    return ResidentView(case.resident_name, case.resident_phone, True, True)


# --- Retention ------------------------------------------------------------------------------------

def retention_cutoff(now):
    return now - timedelta(days=settings.RESIDENT_DATA_RETENTION_DAYS)


def _due_q(cutoff):
    return (Q(state__in=FINISHED_STATES, closed_at__lt=cutoff)
            & (~Q(resident_name="") | ~Q(resident_phone="")))


def anonymise_due(now=None, *, batch_size=500):
    """1. Find finished cases closed before the cutoff that still hold a resident's data.
    2. For each: lock the row, re-check (another worker may have done it, or a returned case been
       resubmitted), blank name and phone, write one case.resident_anonymised event.
    Returns the number of cases anonymised by this run (0 on a second run)."""
    from cases.models import Case

    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    done = 0
    ids = list(Case.objects.filter(_due_q(cutoff)).order_by("id").values_list("id", flat=True)[:batch_size * 20])
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(_due_q(cutoff), pk=pk).first()
            if case is None:
                continue
            case.resident_name, case.resident_phone = "", ""
            case.save(update_fields=["resident_name", "resident_phone", "updated_at"])
            case_event_write(case, actor=None, action=CaseAction.RESIDENT_ANONYMISED,
                             data={"retention_days": settings.RESIDENT_DATA_RETENTION_DAYS})
            done += 1
    return done


# --- Access requests (个人信息查阅) ---------------------------------------------------------------------

def access_request_scope(user):
    """The cases whose residents' data this user may export for an access request, as a Q, or None."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff:
        return Q()
    units = [m.unit for m in memberships_of(user) if m.role == Role.SUPERVISOR
             and m.unit.kind == UnitKind.GOVERNMENT and m.unit.level in _ACCESS_LEVELS]
    if not units:
        return None
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(township__path__startswith=unit.path)
    return q


def can_export_for_access_request(user):
    return access_request_scope(user) is not None


def normalise_phone(phone):
    """The digits a phone number is matched on (stored numbers may hold spaces, "-" and "+")."""
    return re.sub(r"[ +\-]", "", (phone or "").strip())


def access_request_export(*, user, phone):
    """Everything the platform holds about the resident with this phone number within the user's scope:
    the cases with their name and phone, and the log of who has seen them. Raises PermissionDenied or
    ValidationError; logs one ResidentDataAccess row per case disclosed (or one without a case when
    nothing matched, so that the search itself is on record)."""
    from cases.models import Case, ResidentDataAccess

    scope = access_request_scope(user)
    if scope is None:
        raise PermissionDenied
    digits = normalise_phone(phone)
    if not digits.isdigit() or not 5 <= len(digits) <= 32:
        raise ValidationError({"phone": _("请填写完整的电话号码（5 至 32 位数字）。")})
    stored = Replace(Replace(Replace("resident_phone", Value(" "), Value("")), Value("-"), Value("")),
                     Value("+"), Value(""))
    cases = list(
        Case.objects.filter(scope).exclude(resident_phone="").annotate(phone_digits=stored)
        .filter(phone_digits=digits).select_related("township").order_by("created_at", "id")
    )
    accesses = list(
        ResidentDataAccess.objects.filter(case__in=cases).order_by("created_at", "id")
        .values("case__number", "actor_name", "channel", "created_at")
    )
    with transaction.atomic():
        _log(user, cases or [None], ResidentDataAccess.Channel.ACCESS_REQUEST, {"phone": mask_phone(digits)})
    return {
        "phone": digits,
        "generated_at": timezone.now().isoformat(),
        "generated_by": display_name(user),
        "retention_days": settings.RESIDENT_DATA_RETENTION_DAYS,
        "cases": [{
            "number": c.number, "title": c.title, "description": c.description, "address": c.address,
            "township": c.township.display_name, "channel": c.channel, "state": c.state,
            "resident_name": c.resident_name, "resident_phone": c.resident_phone,
            "reported_at": c.created_at.isoformat(), "closed_at": c.closed_at.isoformat() if c.closed_at else None,
        } for c in cases],
        "accesses": [{
            "case": a["case__number"], "by": a["actor_name"], "channel": a["channel"],
            "at": a["created_at"].isoformat(),
        } for a in accesses],
    }
