"""Open311 output: the spec's XML or JSON from plain dicts, and the dicts of a service and a request.

No personal data is ever rendered: request_dict leaves out the resident's name and phone, the reporter
and the photos.
"""

from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML, never parse untrusted XML

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CaseState, Urgency
from cases.privacy import mask_contacts
from responsibilities.models import Category, ItemKind

# Open311 "open": someone still works on it. A resolved case awaits only the township's rating: "closed"
# for the outside world (it becomes "open" again if the township reopens it).
OPEN_STATUSES = {CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED}
GENERAL_CODE = "general"


class Open311Error(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_node(parent, tag, value):
    if isinstance(value, dict):
        node = ET.SubElement(parent, tag)
        for key, sub in value.items():
            _xml_node(node, key, sub)
    elif isinstance(value, list):
        # Lists of scalars/dicts inside an element: the spec names the children (format, endpoint, value...).
        node = ET.SubElement(parent, tag)
        child_tag = {"formats": "format", "endpoints": "endpoint", "values": "value", "attributes": "attribute"}[tag]
        for entry in value:
            _xml_node(node, child_tag, entry)
    else:
        ET.SubElement(parent, tag).text = _text(value)


def render(fmt, root_tag, item_tag, payload, status=200):
    """payload: a list (rendered as <root><item>..</item></root> or a JSON array) or a dict (one object)."""
    if fmt == "json":
        return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    root = ET.Element(root_tag)
    if isinstance(payload, list):
        for entry in payload:
            _xml_node(root, item_tag, entry)
    else:
        for key, value in payload.items():
            _xml_node(root, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def render_error(fmt, status, description):
    return render(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def iso(dt):
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def general_service():
    return {
        "service_code": GENERAL_CODE,
        "service_name": _("其他问题（由指挥中心研判）"),
        "description": _("无法对应具体清单事项的问题，由县级指挥中心研判后交办。"),
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": _("其他"),
    }


def service_dict(item):
    description = item.description or ""
    if item.kind == ItemKind.NEGATIVE and item.department_id:
        description = (description + "\n" if description else "") + _("责任部门：%(dept)s") % {
            "dept": item.department.display_name
        }
    return {
        "service_code": item.code,
        "service_name": item.title,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(item.keyword_list()),
        "group": Category(item.category).label if item.category in Category.values else item.category,
    }


def service_definition(code):
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("默认为“一般”。"),
                "order": 1,
                "description": _("紧急程度"),
                "values": [{"key": value, "name": str(label)} for value, label in Urgency.choices],
            }
        ],
    }


def _requested_service(case):
    """(code, name): the matched list item once triaged, else what the client asked for."""
    if case.list_item_id:
        return case.list_item.code, case.list_item.title
    received = getattr(case, "open311_received", None)
    if received:
        data = received[0].data
        return data.get("service_code", ""), data.get("service_name", "")
    return "", ""


def status_of(case):
    return "open" if case.state in OPEN_STATUSES else "closed"


def status_notes(case):
    state = CaseState(case.state)
    if state in (CaseState.RESOLVED, CaseState.CLOSED) and case.resolution_note:
        return f"{state.label}：{case.resolution_note}"
    if state == CaseState.RETURNED:
        return f"{state.label}" + (f"：{case.return_reason}" if case.return_reason else "")
    return str(state.label)


def request_dict(case):
    code, name = _requested_service(case)
    if case.lead_department_id:
        agency = case.lead_department.display_name
    elif case.state == CaseState.RETURNED:
        agency = case.township.display_name
    else:
        agency = case.dispatch_centre.display_name if case.dispatch_centre_id else ""
    # Deliberately absent: resident_name, resident_phone, reporter, photos (personal data); and the texts
    # anyone may read carry no phone or ID number written into them (cases.privacy.mask_contacts).
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": mask_contacts(status_notes(case)),
        "service_name": name,
        "service_code": code,
        "description": mask_contacts(case.description),
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at) if case.state in OPEN_STATUSES else None,
        "address": mask_contacts(case.address),
        "address_id": "",
        "zipcode": "",
        "lat": str(case.latitude) if case.latitude is not None else "",
        "long": str(case.longitude) if case.longitude is not None else "",
        "media_url": "",
    }

