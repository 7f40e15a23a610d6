"""The case workflow, declared once: one row per action.

    row            from (states)                       to            who (cases.permissions)          and when
    withdraw       reported                            withdrawn     the reporting township
    triage         reported                            triaged       a covering dispatch centre
    assign         reported, triaged                   assigned      a covering dispatch centre
    return         reported, triaged                   returned      a covering dispatch centre
    refuse_unadmitted  returned                        triaged       the township                     duty never admitted
                                                                                                         (职责准入) nor legacy
    claim          assigned                            assigned      the lead department              unclaimed
    decline        assigned                            triaged       the lead department
    reassign       assigned                            assigned      dispatch centre or county+ leader
    resolve        assigned                            resolved      the lead department              claimed
    feedback       resolved                            closed | assigned (不满意: 重办)  the township
    request_info   reported, triaged, assigned         (same)        dispatch centre or lead dept     none pending
    answer_info    reported, triaged, assigned         (same)        the township                     one pending
    extend         open                                (same)        the lead department              response/resolution stage,
                                                                                                         deadline still ahead,
                                                                                                         none pending
    extension_decision  any                            (same)        dispatch centre or supervisor    one pending
    urge           open                                (same)        a supervisor over the case       a clock runs
    comment        any                                 (same)        anyone who may see the case

Everything else is derived from this table:
- the case page's actions (available()) and its action URLs (cases:<name>, or the row's own page);
- the API's action endpoints (POST /api/v1/cases/{id}/<api_name>/, generated from the rows) and the
  `actions` list of the case detail;
- the permission checks: the page and the API answer 403 when who() is false, 409 when the state or the
  condition is (the service's CaseConflict);
- the services: each checks who() on the locked row and the row's state and condition before its
  django-fsm transition (cases.services._transition), so a service never does what the page hides.
A test walks every action × persona × state and checks that page, API and service agree.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import deadlines, forms, permissions, serializers
from cases.audit import CaseAction
from cases.choices import OPEN_STATES, CaseState, Stage

ALL_STATES = frozenset(CaseState.values)
# An extension is for the department's own clocks; triage and feedback have no one to ask.
EXTENDABLE_STAGES = (Stage.RESPONSE, Stage.RESOLUTION)


def _pending_extension(case):
    return next((e for e in case.extensions.all() if e.status == "pending"), None)


def _deadline_ahead(case, now):
    left = deadlines.time_left(case, now)
    return left is not None and left.total_seconds() > 0


@dataclass(frozen=True)
class Step:
    name: str  # python and URL name: "request_info" (page: cases:request_info); API: "request-info"
    label: Any
    sources: frozenset
    target: str | None  # None: the state does not change
    who: Any  # (user, case) -> the unit the user acts for, or None
    event: CaseAction
    form: Any
    serializer: Any
    success: Any
    service: Any  # (case, user, cleaned data) -> Case or ExtensionRequest
    when: Any = None  # (case, now) -> bool: the case-side condition beyond the state
    transition: str = ""  # the django-fsm method on Case ("" for steps that are not a state transition)
    needs_lists: tuple = ()  # what the page form needs: "items", "departments"
    page: str = ""  # the URL name of the step's own page; "" = a form on the case page (cases:<name>)
    result: str = "case"  # what the API answers with: "case" or "extension"

    @property
    def api_name(self):
        return self.name.replace("_", "-")

    @property
    def url_name(self):
        return self.page or f"cases:{self.name}"

    def state_allows(self, case, now=None):
        """The case is in a source state and meets the condition (who is not asked)."""
        if case.state not in self.sources:
            return False
        return self.when is None or bool(self.when(case, now or timezone.now()))


def _services():
    from cases import services

    return services


def _extensions():
    from cases import extensions

    return extensions


def _decide(case, user, d):
    from cases.exceptions import CasePermissionDenied
    from cases.models import ExtensionRequest

    if not who("extension_decision", user, case):
        raise CasePermissionDenied(gettext("只有分拨中心或督办领导可以审批延期申请。"))
    extension = ExtensionRequest.objects.filter(case=case, pk=d["extension"]).first()
    if extension is None:
        raise ValidationError({"extension": gettext("该事项没有这份延期申请。")})
    return _extensions().case_extension_decide(extension=extension, actor=user, approve=d["approve"], note=d["note"])


_OPEN = frozenset(OPEN_STATES)
_BEFORE_ASSIGNMENT = frozenset({CaseState.REPORTED, CaseState.TRIAGED})
_IN_PROGRESS = frozenset({CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED})

STEPS = {step.name: step for step in [
    Step("withdraw", _("撤回"), frozenset({CaseState.REPORTED}), CaseState.WITHDRAWN, permissions.can_withdraw,
         CaseAction.WITHDRAWN, forms.WithdrawForm, serializers.OptionalReasonSerializer, _("已撤回。"),
         lambda c, u, d: _services().case_withdraw(case=c, actor=u, reason=d["reason"]), transition="withdraw"),
    Step("triage", _("开始研判"), frozenset({CaseState.REPORTED}), CaseState.TRIAGED, permissions.can_triage,
         CaseAction.TRIAGED, forms.TriageForm, serializers.NoteSerializer, _("已开始研判。"),
         lambda c, u, d: _services().case_triage(case=c, actor=u, note=d["note"]), transition="triage"),
    Step("assign", _("交办"), _BEFORE_ASSIGNMENT, CaseState.ASSIGNED, permissions.can_assign,
         CaseAction.ASSIGNED, forms.AssignForm, serializers.AssignSerializer, _("已交办责任部门。"),
         lambda c, u, d: _services().case_assign(
             case=c, actor=u, list_item=d["list_item"], lead_department=d["lead_department"],
             assisting_departments=list(d["assisting_departments"] or ()), note=d["note"]),
         transition="assign", needs_lists=("items", "departments")),
    Step("return", _("退回乡镇"), _BEFORE_ASSIGNMENT, CaseState.RETURNED, permissions.can_return,
         CaseAction.RETURNED, forms.ReturnForm, serializers.ReturnSerializer, _("已退回乡镇（属本级职责）。"),
         lambda c, u, d: _services().case_return(case=c, actor=u, list_item=d["list_item"], reason=d["reason"]),
         transition="return_to_township", needs_lists=("items",)),
    Step("refuse_unadmitted", _("未经准入，拒收"), frozenset({CaseState.RETURNED}), CaseState.TRIAGED,
         permissions.can_refuse_unadmitted, CaseAction.REFUSED_UNADMITTED, forms.RefuseUnadmittedForm,
         serializers.ReasonSerializer, _("已以“未经准入”拒收，事项回到指挥中心重新研判。"),
         lambda c, u, d: _services().case_refuse_unadmitted(case=c, actor=u, reason=d["reason"]),
         when=lambda c, now: permissions.duty_is_unadmitted(c), transition="refuse_unadmitted"),
    Step("claim", _("签收（报到）"), frozenset({CaseState.ASSIGNED}), CaseState.ASSIGNED, permissions.can_claim,
         CaseAction.CLAIMED, forms.ClaimForm, serializers.EmptySerializer, _("已签收（报到），办结计时开始。"),
         lambda c, u, d: _services().case_claim(case=c, actor=u), when=lambda c, now: c.claimed_by_id is None,
         transition="claim"),
    Step("decline", _("不属本部门"), frozenset({CaseState.ASSIGNED}), CaseState.TRIAGED, permissions.can_decline,
         CaseAction.DECLINED, forms.DeclineForm, serializers.ReasonSerializer, _("已退回指挥中心重新研判。"),
         lambda c, u, d: _services().case_decline(case=c, actor=u, reason=d["reason"]), transition="decline"),
    Step("reassign", _("改派"), frozenset({CaseState.ASSIGNED}), CaseState.ASSIGNED, permissions.can_reassign,
         CaseAction.REASSIGNED, forms.ReassignForm, serializers.ReassignSerializer, _("已改派。"),
         lambda c, u, d: _services().case_reassign(
             case=c, actor=u, lead_department=d["lead_department"], reason=d["reason"],
             list_item=d.get("list_item"), assisting_departments=d.get("assisting_departments")),
         transition="reassign", needs_lists=("items", "departments")),
    Step("resolve", _("办结"), frozenset({CaseState.ASSIGNED}), CaseState.RESOLVED, permissions.can_resolve,
         CaseAction.RESOLVED, forms.ResolveForm, serializers.ResolveSerializer, _("已办结，等待乡镇评价。"),
         lambda c, u, d: _services().case_resolve(case=c, actor=u, note=d["note"], photos=d.get("photos") or []),
         when=lambda c, now: c.claimed_by_id is not None, transition="resolve"),
    Step("feedback", _("评价"), frozenset({CaseState.RESOLVED}), CaseState.CLOSED, permissions.can_feedback,
         CaseAction.CLOSED, forms.FeedbackForm, serializers.FeedbackSerializer, _("评价已提交。"),
         lambda c, u, d: _services().case_feedback(case=c, actor=u, rating=d["rating"], comment=d["comment"]),
         transition="give_feedback"),  # 不满意 reopens it: target assigned (Case.give_feedback)
    Step("request_info", _("请求补充材料"), _IN_PROGRESS, None, permissions.can_request_info,
         CaseAction.INFO_REQUESTED, forms.RequestInfoForm, serializers.QuestionSerializer,
         _("已请乡镇补充材料，计时暂停。"),
         lambda c, u, d: _services().case_request_info(case=c, actor=u, question=d["question"]),
         when=lambda c, now: c.info_requested_at is None, transition="request_info"),
    Step("answer_info", _("补充材料"), _IN_PROGRESS, None, permissions.can_answer_info,
         CaseAction.INFO_ANSWERED, forms.AnswerInfoForm, serializers.AnswerSerializer, _("已补充材料，计时恢复。"),
         lambda c, u, d: _services().case_answer_info(case=c, actor=u, answer=d["answer"],
                                                      photos=d.get("photos") or []),
         when=lambda c, now: c.info_requested_at is not None, transition="answer_info"),
    Step("extend", _("申请延期"), _OPEN, None, permissions.lead_officer_unit,
         CaseAction.EXTENSION_REQUESTED, forms.ExtensionRequestForm, serializers.ExtendSerializer,
         _("延期申请已提交，等待分拨中心或督办领导审批。"),
         lambda c, u, d: _extensions().case_extension_request(
             case=c, actor=u, reason=d["reason"], requested_due_at=d["requested_due_at"]),
         when=lambda c, now: (c.stage in EXTENDABLE_STAGES and _deadline_ahead(c, now)
                              and _pending_extension(c) is None),
         page="cases:extension_request", result="extension"),
    Step("extension_decision", _("审批延期"), ALL_STATES, None, permissions.can_decide_extension,
         CaseAction.EXTENSION_APPROVED, forms.ExtensionDecideForm, serializers.ExtensionDecisionSerializer,
         _("已审批延期申请。"), _decide, when=lambda c, now: _pending_extension(c) is not None,
         page="cases:extension_decide", result="extension"),
    Step("urge", _("催办"), _OPEN, None, permissions.supervisor_unit,
         CaseAction.URGED, forms.UrgeForm, serializers.UrgeSerializer, _("已催办，相关办理人员会收到通知。"),
         lambda c, u, d: _extensions().case_urge(case=c, actor=u, message=d["message"]),
         when=lambda c, now: c.due_at is not None, page="cases:urge"),
    Step("comment", _("办理记录"), ALL_STATES, None, permissions.can_comment,
         CaseAction.COMMENTED, forms.CommentForm, serializers.CommentSerializer, _("已添加办理记录。"),
         lambda c, u, d: _services().case_comment(case=c, actor=u, text=d["text"])),
]}

# A form on the case page (the others have a page of their own, linked from the deadline panel).
INLINE = frozenset(name for name, step in STEPS.items() if not step.page)


def who(name, user, case):
    """The unit `user` would act for in step `name` on `case`, whatever its state; None: no role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return STEPS[name].who(user, case)


def allowed(name, user, case, now=None):
    """Whether `user` may take step `name` on `case` now (state, condition and role)."""
    step = STEPS[name]
    if case.state not in step.sources or not who(name, user, case):
        return False
    return step.when is None or bool(step.when(case, now or timezone.now()))


def available(user, case, now=None):
    """The names of every step `user` may take on `case` now: the page's actions and the API's."""
    now = now or timezone.now()
    return {name for name in STEPS if allowed(name, user, case, now)}
