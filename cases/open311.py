"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for the platform, under /open311/v2/.

Mapping decisions (documented for integrators in the discovery document's `contact` and here):
- A service is a published list item (service_code = ListItem.code, group = its four-platform category),
  plus the catch-all service "general" for problems the client cannot classify: the dispatch centre
  triages every request anyway. Every service has metadata=true with one optional attribute, `urgency`.
- POST requests needs an api_key (governance.ApiClientKey, issued to one township in the admin). The case
  is reported in that township's name through cases.services.case_report with channel "open311". The
  actor is a per-key service account (username "open311-<key id>", named after the client, a reporter
  of the key's township, unable to sign in), so the audit trail says which external system reported it.
  The requested service_code is recorded in an explicit "case.open311_received" CaseEvent; after triage
  the matched list item wins.
- service_request_id is the case number (what staff and residents quote); the token is the case id.
- GET requests lists only cases that came in through Open311: staff reports are internal working
  documents. No resident's name, phone, photo or reporter is ever returned.
- Status: reported/triaged/assigned are "open"; resolved/closed/returned/withdrawn are "closed"
  (a resolved case that the township rejects is reopened and becomes "open" again).
"""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML, never parse untrusted XML

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q
from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from cases.models import Case, CaseEvent, CaseState, Channel, Urgency
from config.api_common import Open311Throttle, parse_id
from governance.models import ApiClientKey, Level, Membership, Role, Unit, UnitKind
from responsibilities.models import Category, ItemKind, ListItem, VersionStatus

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"
GENERAL_CODE = "general"
OPEN_STATES = {CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED}
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
RECEIVED_ACTION = "case.open311_received"


# --- API keys ---------------------------------------------------------------------------------------

def key_digest(clear_key):
    return hashlib.sha256(clear_key.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, name, unit):
    """Issue a key to a township. Returns (ApiClientKey, clear_key); only the digest is stored, so the
    clear key must be shown to the administrator now and never again."""
    if not unit.is_township:
        raise ValidationError({"unit": _("接入密钥只能发给乡镇（街道）。")})
    clear = "o311_" + secrets.token_urlsafe(30)
    key = ApiClientKey.objects.create(name=name, unit=unit, key_prefix=clear[:12], key_digest=key_digest(clear))
    service_account_for(key)
    return key, clear


def service_account_for(key):
    """The per-key reporter account: named after the client, member of the township, cannot sign in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=f"open311-{key.pk}", defaults={"first_name": f"{key.name}（Open311）"[:150], "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(
        user=user, unit=key.unit, role=Role.REPORTER, defaults={"is_active": True, "title": "Open311"}
    )
    return user


def api_key_authenticate(clear_key):
    """The active key for this clear key (township active too), or None. Records when it was last used."""
    if not clear_key:
        return None
    key = (
        ApiClientKey.objects.select_related("unit")
        .filter(key_digest=key_digest(clear_key.strip()), is_active=True, unit__is_active=True)
        .first()
    )
    if key is not None:
        ApiClientKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


# --- Errors and rendering ---------------------------------------------------------------------------

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


# --- Services (the published list items) ------------------------------------------------------------

def _jurisdiction(params):
    """An optional jurisdiction_id (a government unit code); empty is tolerated and means all."""
    code = (params.get("jurisdiction_id") or "").strip()
    if not code:
        return None
    unit = Unit.objects.filter(code=code, kind=UnitKind.GOVERNMENT, is_active=True).first()
    if unit is None:
        raise Open311Error(404, _("未知的 jurisdiction_id：%(code)s") % {"code": code[:50]})
    return unit


def published_items(jurisdiction=None, *, for_unit=None):
    """One item per code from the published township lists (of a jurisdiction, or applying to one township).

    Township lists, because every Open311 request is reported in a township's name and triaged against them.
    """
    from responsibilities.selectors import published_versions_for_unit

    items = ListItem.objects.filter(
        version__status=VersionStatus.PUBLISHED, version__duty_list__level=Level.TOWNSHIP
    ).select_related("department")
    if for_unit is not None:
        items = items.filter(version__in=published_versions_for_unit(for_unit))
    if jurisdiction is not None:
        items = items.filter(
            Q(version__duty_list__jurisdiction__path__startswith=jurisdiction.path)
            | Q(version__duty_list__jurisdiction_id__in=jurisdiction.ancestor_ids())
        )
    seen, result = set(), []
    for item in items.order_by("code", "position", "-version__published_at"):
        if item.code not in seen:
            seen.add(item.code)
            result.append(item)
    return result


def _general_service():
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
            "dept": item.department.name
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


def find_service(code, jurisdiction=None, *, for_unit=None):
    """(service_code, service_name) for a code a client sent, or None."""
    if code == GENERAL_CODE:
        return GENERAL_CODE, str(_general_service()["service_name"])
    for item in published_items(jurisdiction, for_unit=for_unit):
        if item.code == code:
            return item.code, item.title
    return None


# --- Requests ---------------------------------------------------------------------------------------

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
            CaseEvent.objects.create(
                case=case, actor=actor, actor_name=actor.first_name, actor_unit=key.unit, action=RECEIVED_ACTION,
                from_state="", to_state=case.state,
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
    return "open" if case.state in OPEN_STATES else "closed"


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
        agency = case.lead_department.name
    elif case.state == CaseState.RETURNED:
        agency = case.township.name
    else:
        agency = case.dispatch_centre.name if case.dispatch_centre_id else ""
    # Deliberately absent: resident_name, resident_phone, reporter, photos (personal data).
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": name,
        "service_code": code,
        "description": case.description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at) if case.state in OPEN_STATES else None,
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": str(case.latitude) if case.latitude is not None else "",
        "long": str(case.longitude) if case.longitude is not None else "",
        "media_url": "",
    }


def open311_cases():
    """Open311-channel cases with what request_dict reads, in a fixed number of queries."""
    from django.db.models import Prefetch

    return (
        Case.objects.filter(channel=Channel.OPEN311)
        .select_related("list_item", "lead_department", "township", "dispatch_centre")
        .prefetch_related(
            Prefetch("events", queryset=CaseEvent.objects.filter(action=RECEIVED_ACTION), to_attr="open311_received")
        )
    )


def _parse_dt(params, name):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+") if "T" in raw and " " in raw else raw)
    if value is None:
        raise Open311Error(400, _("%(name)s 不是 W3C 日期时间格式（例如 2026-01-31T09:00:00+08:00）。") % {"name": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def request_search(params):
    """GET requests: the spec's filters and defaults (last 90 days, newest first, at most 1000)."""
    cases = open311_cases()
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        # With ids, the spec says the other filters are ignored.
        return list(cases.filter(number__in=ids[:MAX_REQUESTS]).order_by("-created_at", "-id"))
    jurisdiction = _jurisdiction(params)
    if jurisdiction is not None:
        cases = cases.filter(township__path__startswith=jurisdiction.path)
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        received = CaseEvent.objects.filter(case=OuterRef("pk"), action=RECEIVED_ACTION, data__service_code__in=codes)
        cases = cases.filter(Q(list_item__code__in=codes) | Q(list_item__isnull=True, pk__in=received.values("case")))
    start, end = _parse_dt(params, "start_date"), _parse_dt(params, "end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if start is None and end is None:
        start = timezone.now() - DEFAULT_WINDOW
    if start is not None:
        cases = cases.filter(created_at__gte=start)
    if end is not None:
        cases = cases.filter(created_at__lte=end)
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        cases = cases.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        cases = cases.exclude(state__in=OPEN_STATES)
    return list(cases.order_by("-created_at", "-id")[:MAX_REQUESTS])


# --- Views ------------------------------------------------------------------------------------------

def _tolerant_params(request):
    """Query string and form body merged (body wins), tolerating what real clients send: a form body
    without a charset or even without a content type, and the api_key in the query string."""
    params = request.GET.copy()
    body = request._request.POST
    if not body and request.method == "POST" and request._request.body:
        content_type = request.META.get("CONTENT_TYPE", "")
        if not content_type or content_type.startswith("text/plain") or "urlencoded" in content_type:
            try:
                body = QueryDict(request._request.body, encoding=settings.DEFAULT_CHARSET)
            except UnicodeDecodeError:
                raise Open311Error(400, _("请求体不是 UTF-8 编码的表单。"))
    for key in body:
        params.setlist(key, body.getlist(key))
    if any("\x00" in key or any("\x00" in v for v in params.getlist(key)) for key in params):
        raise Open311Error(400, _("请求中含有不允许的空字符（%00）。"))
    return params


@extend_schema(exclude=True)  # Open311 is its own standard, documented at open311.org, not in our OpenAPI
class Open311View(APIView):
    authentication_classes = []  # api_key only: no session, so no cross-site request can borrow one
    permission_classes = [AllowAny]
    throttle_classes = [Open311Throttle]
    parser_classes = []  # bodies are read by _tolerant_params from Django's request

    def handle_exception(self, exc):
        fmt = self.kwargs.get("fmt", "xml")
        if isinstance(exc, Open311Error):
            return render_error(fmt, exc.status, exc.description)
        if isinstance(exc, drf_exceptions.Throttled):
            response = render_error(fmt, 429, _("请求过于频繁，请稍后再试。"))
            if exc.wait:
                response["Retry-After"] = str(int(exc.wait) + 1)
            return response
        if isinstance(exc, drf_exceptions.MethodNotAllowed):
            return render_error(fmt, 405, _("不支持的请求方法。"))
        if isinstance(exc, drf_exceptions.APIException):
            return render_error(fmt, exc.status_code, str(exc.detail))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        # Our responses are plain Django responses, already rendered in the spec's format.
        if isinstance(response, HttpResponse) and not hasattr(response, "data"):
            return response
        return super().finalize_response(request, response, *args, **kwargs)


class DiscoveryView(Open311View):
    def get(self, request, fmt):
        base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
        payload = {
            "changeset": CHANGESET,
            "contact": _("%(platform)s 运维：%(email)s（接入密钥由县级管理员在后台按乡镇发放）")
            % {"platform": settings.PLATFORM_NAME, "email": settings.DEFAULT_FROM_EMAIL},
            "key_service": _("请联系县级指挥中心管理员申领 api_key。"),
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return render(fmt, "discovery", None, payload)


class ServiceListView(Open311View):
    def get(self, request, fmt):
        params = _tolerant_params(request)
        services = [service_dict(item) for item in published_items(_jurisdiction(params))]
        services.append(_general_service())
        return render(fmt, "services", "service", services)


class ServiceDefinitionView(Open311View):
    def get(self, request, fmt, code):
        params = _tolerant_params(request)
        if find_service(code, _jurisdiction(params)) is None:
            raise Open311Error(404, _("未知的 service_code：%(code)s") % {"code": code[:50]})
        return render(fmt, "service_definition", None, service_definition(code))


class RequestListView(Open311View):
    def get(self, request, fmt):
        cases = request_search(_tolerant_params(request))
        return render(fmt, "service_requests", "request", [request_dict(c) for c in cases])

    def post(self, request, fmt):
        params = _tolerant_params(request)
        clear_key = (params.get("api_key") or "").strip()
        if not clear_key:
            raise Open311Error(400, _("缺少 api_key。"))
        key = api_key_authenticate(clear_key)
        if key is None:
            raise Open311Error(403, _("api_key 无效或已停用。"))
        case = open311_request_create(key=key, params=params)
        payload = [{"service_request_id": case.number, "token": str(case.pk), "service_notice": "", "account_id": ""}]
        return render(fmt, "service_requests", "request", payload, status=201)


class RequestDetailView(Open311View):
    def get(self, request, fmt, request_id):
        case = open311_cases().filter(number=request_id).first()
        if case is None:
            raise Open311Error(404, _("未找到服务请求：%(id)s") % {"id": request_id[:50]})
        return render(fmt, "service_requests", "request", [request_dict(case)])


class TokenView(Open311View):
    def get(self, request, fmt, token):
        case = None
        case_id = parse_id(token)
        if case_id is not None:
            case = Case.objects.filter(channel=Channel.OPEN311, pk=case_id).only("pk", "number").first()
        if case is None:
            raise Open311Error(404, _("未找到令牌：%(token)s") % {"token": token[:50]})
        return render(fmt, "service_requests", "request", [{"service_request_id": case.number, "token": token}])
