"""Open311 writes: a POSTed request becomes a case through cases.services.case_report."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.audit import CaseAction, case_event_write
from cases.models import Channel, Urgency
from cases.open311.keys import service_account_for
from cases.open311.rendering import GENERAL_CODE, Open311Error
from cases.open311.selectors import _jurisdiction, find_service


def _decimal(params, name, low, high):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Open311Error(400, _("%(name)s 不是有效的数字：%(value)s") % {"name": name, "value": raw[:30]})
    if not value.is_finite() or not (low <= value <= high):
        raise Open311Error(400, _("%(name)s 超出范围：%(value)s") % {"name": name, "value": raw[:30]})
    return value.quantize(Decimal("0.000001"))


def open311_request_create(*, key, params):
    """POST requests: validate the spec's parameters, report the case through case_report and record which
    service the client asked for, in one transaction. Returns the Case."""
    from cases.services import case_report

    jurisdiction = _jurisdiction(params)
    if jurisdiction is not None and not key.unit.path.startswith(jurisdiction.path):
        raise Open311Error(403, _("该 api_key 不属于 jurisdiction_id 指定的辖区。"))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("缺少必填参数 service_code。"))
    # Only items of the lists that apply to the key's township: the dispatcher triages against those.
    service = find_service(code, for_unit=key.unit)
    if service is None:
        raise Open311Error(400, _("未知的 service_code，或该事项不适用于本乡镇（街道）：%(code)s") % {"code": code[:50]})
    service_code, service_name = service
    lat = _decimal(params, "lat", Decimal(-90), Decimal(90))
    long = _decimal(params, "long", Decimal(-180), Decimal(180))
    if (lat is None) != (long is None):
        raise Open311Error(400, _("lat 与 long 必须同时提供。"))
    address = (params.get("address_string") or "").strip() or (params.get("address_id") or "").strip()
    if lat is None and not address:
        raise Open311Error(400, _("必须提供位置：lat 和 long，或 address_string。"))
    if not address:
        address = _("坐标 %(lat)s, %(long)s") % {"lat": lat, "long": long}
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("缺少问题描述 description。"))
    urgency = (params.get("attribute[urgency]") or Urgency.NORMAL).strip()
    if urgency not in Urgency.values:
        raise Open311Error(400, _("attribute[urgency] 的取值无效：%(value)s") % {"value": urgency[:20]})
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        # Never fetched by the server (no outbound requests on behalf of clients); kept as a link for staff.
        description += "\n" + _("附件链接：%(url)s") % {"url": media_url[:500]}
    # Chinese order: family name first. Stored as 群众点单 personal data, never returned by GET.
    names = [(params.get("last_name") or "").strip(), (params.get("first_name") or "").strip()]
    resident_name = "".join(n for n in names if n)
    first_line = description.splitlines()[0]
    title = (first_line if service_code == GENERAL_CODE else f"{service_name}：{first_line}")[:200]

    routed = _routed_service(service_code, description, key.unit)

    actor = service_account_for(key)
    try:
        with transaction.atomic():
            case = case_report(
                actor=actor, township=key.unit, title=title, description=description, address=address[:300],
                urgency=urgency, latitude=lat, longitude=long, channel=Channel.OPEN311,
                resident_name=resident_name[:50], resident_phone=(params.get("phone") or "").strip()[:32],
            )
            case_event_write(
                case, actor=actor, unit=key.unit, action=CaseAction.OPEN311_RECEIVED, from_state="",
                data={"service_code": service_code, "service_name": service_name, "client": key.name, "key_id": key.pk,
                      **routed},
            )
    except ValidationError as exc:
        raise Open311Error(400, "; ".join(exc.messages))
    return case



def _routed_service(service_code, description, township):
    """For the general service ("其他问题"), the routing service's best list item for the description, recorded
    beside what the client asked for (the dispatcher still decides)."""
    if service_code != GENERAL_CODE:
        return {}
    from routing.services import suggest

    answer = suggest(description, township=township, limit_items=1)
    routed = {"routing_verdict": answer.verdict, "routing_model": answer.model_version}
    if answer.items and answer.verdict != "undecided":
        routed.update(matched_service_code=answer.items[0].code, matched_service_name=answer.items[0].title)
    if answer.best_department is not None and answer.verdict == "department":
        routed["suggested_department"] = answer.best_department.code
    return routed
