"""The routing service: "这件事归谁管？" for the report form, the public lookup, the dispatcher, Open311 and the API.

`suggest(text, township=None)` answers with a verdict — `township` (the township's own basic duty),
`department`, or `undecided` (人工研判 at the dispatch centre) —, ranked departments, the list items behind
them and the words that matched. Scores blend BM25 over the published list and the departments' profiles
(routing.index) with the naive Bayes model trained on the county's decisions (routing.learning).

The abstention rule: the answer is `township` only when a basic-duty item clearly beats every department
(TOWNSHIP_MARGIN); a department is named when its share is high enough; otherwise `undecided`, and the
pages then encourage the report rather than discourage it.
"""

import math
import re
from dataclasses import dataclass, field

from django.db.models import Q

from governance.models import Level, Unit, UnitKind
from routing import index as routing_index
from routing import learning, text
from routing.models import DepartmentType

TYPE_LABELS = dict(DepartmentType.choices)

MAX_QUERY_CHARS = 2000
TEMPERATURE = 0.2  # share of the top BM25 score per e-fold of odds between two candidates
NONE_SCORE = 1.0  # a pseudo-candidate "nothing fits" (BM25 points): weak evidence everywhere gives low confidence
TOWNSHIP_MIN_BM25 = 1.0  # no township verdict on less evidence than the "nothing fits" candidate
DEPARTMENT_MIN_SHARE = 0.12
# The level (township or department) is a small logistic model over cues that hold for any county: how far the
# township's share beats the best department's, and by how much more once it is a clear lead (more than e² times:
# a short message that only a basic item matches, "邻里纠纷请求调解"; long letters match many items in passing,
# so the plain ratio weighs little; the halves fit it +0.31 and -0.11, the development letters seldom having one,
# and it is kept for the report form's and the lookup's short texts), a township named in the title (the writer places the matter in a
# township's territory, 属地), a village or group named, a bureau named (the writer addresses a department), a
# township government named, a village's collective affairs (村委会 and 村干部, 低保评定, 征地拆迁补偿, 宅基地,
# 村账目, 修路硬化: handled where the village is, whatever list item they resemble), and a service only a
# department runs (schools, social and medical insurance, 户籍, wages, hospitals, 开发商 and 房产证: the township
# can neither decide nor deliver them). Its prior is the list's own proportion of basic items
# (Index.township_prior) plus LEVEL_BIAS. The weights were fitted by logistic regression on each half of the
# development messages (bench/bench_routing.py --fit prints both fits and each fit's figures on the other half)
# and are the two fits' mean, rounded to 0.05 (refitted whenever the demo list or a cue changes: these are the fits
# after the list's row-specific keywords went, commit 7735668); TOWNSHIP_P is the lowest threshold at which
# township precision stays ≥ 90 % on both halves.
LEVEL_WEIGHTS = {
    "share_ratio": 0.4, "clear_lead": 0.1, "title_township": 0.65, "locality": 0.75, "names_bureau": -0.65,
    "names_township_government": 0.75, "village_affairs": 0.9, "department_service": -0.9,
}
LEVEL_BIAS = -0.2
CLEAR_LEAD = 2.0  # log share ratio beyond which the township's lead counts again (clear_lead)
TOWNSHIP_P = 0.7  # 属本级职责 only at this probability: a wrong "yours" discourages the whistle
DEPARTMENT_P = TOWNSHIP_P  # below it, a department when one stands out (DEPARTMENT_MIN_SHARE); else undecided
MODEL_WEIGHT_CAP = 0.5
MODEL_WEIGHT_HALF = 40  # examples at which the learned model gets half its maximum weight

# A matter placed in a named village or group, or in a named township (属地): the township's business more often.
_LOCALITY_RES = [
    re.compile(r"[\u4e00-\u9fff]{1,5}(?:村|组)(?:[\u4e00-\u9fff]{0,5}组)?(?![委民务级])"),
    re.compile(r"[\u4e00-\u9fff]{2,5}(?:镇|乡)(?![村长政])"),
]
_TOWNSHIP_NAMED_RE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:镇|乡|街道|办事处)(?![村长政府])")
_BUREAU_NAMED_RE = re.compile(r"[\u4e00-\u9fff]{0,3}[^\W格布结骗赌饭牌开终棋残全大当]局(?![面部限势])")
_TOWNSHIP_GOVERNMENT_RE = re.compile(r"(?:镇|乡)(?:人民)?政府|街道办|办事处")
_VILLAGE_AFFAIRS_RE = re.compile(
    r"村委|村干部|村支书|村主任|村支部|村部|村民小组|村级|低保|征收|征地|补偿|拆迁|搬迁|确权|分红|账目|宅基地|修路|硬化|水泥路"
)
_DEPARTMENT_SERVICE_RE = re.compile(r"学校|老师|教师|社保|医保|公交|房产证|开发商|户口|户籍|工资|招聘|事业单位|医院")


@dataclass
class DepartmentScore:
    unit_id: int
    code: str
    name: str
    type: str
    type_label: str
    score: float
    matched: list = field(default_factory=list)


@dataclass
class ItemScore:
    item: object
    code: str
    title: str
    kind: str
    department: str | None
    department_name: str
    score: float
    matched: list = field(default_factory=list)


@dataclass
class Suggestion:
    verdict: str  # "township" | "department" | "undecided"
    confidence: float
    departments: list
    items: list
    matched: list
    model_version: int | None = None
    tokens: list = field(default_factory=list)
    department_names: dict = field(default_factory=dict)  # unit id -> name, of every candidate department
    evidence: dict = field(default_factory=dict)  # the figures the verdict was drawn from (_verdict)

    @property
    def best_department(self):
        return self.departments[0] if self.departments else None

    @property
    def best_basic_item(self):
        return next((i for i in self.items if i.kind == "basic"), None)

    def as_dict(self):
        return {
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "departments": [
                {"code": d.code, "name": d.name, "type": d.type, "score": round(d.score, 3)} for d in self.departments
            ],
            "items": [
                {"code": i.code, "title": i.title, "kind": i.kind, "department": i.department, "score": round(i.score, 3)}
                for i in self.items
            ],
            "matched": self.matched,
            "model_version": self.model_version,
        }


EMPTY = Suggestion(verdict="undecided", confidence=0.0, departments=[], items=[], matched=[])


def _scope(township):
    """(published version ids, candidate departments) for a township, or for every township when None."""
    from responsibilities.models import ListVersion, VersionStatus
    from responsibilities.selectors import published_versions_for_unit

    if township is not None:
        versions = list(published_versions_for_unit(township).values_list("pk", flat=True))
        county_ids = township.ancestor_ids()
    else:
        rows = ListVersion.objects.filter(status=VersionStatus.PUBLISHED, duty_list__level=Level.TOWNSHIP)
        rows = list(rows.values_list("pk", "duty_list__jurisdiction_id"))
        versions, county_ids = [pk for pk, _j in rows], list({j for _pk, j in rows})
    def departments():  # only evaluated when an index is built
        return Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).filter(Q(parent_id__in=county_ids))

    return versions, departments


def suggest(text_, township=None, *, limit_items=5, limit_departments=5):
    """Who handles this matter? See the module docstring for the rule."""
    body = (text_ or "").strip()[:MAX_QUERY_CHARS]
    tokens = text.tokenize(body)
    if not tokens:
        return EMPTY
    query = _query_tokens(body, tokens)
    versions, departments = _scope(township)
    index = routing_index.index_for(versions, departments)
    if not index.docs:
        return Suggestion("undecided", 0.0, [], [], [], tokens=tokens)
    scores = index.scores(query)

    township_best, item_best, profile_best = 0.0, {}, {}
    for row in index.item_rows:
        doc, score = index.docs[row], float(scores[row])
        if doc.item.kind == "basic":
            township_best = max(township_best, score)
        elif doc.department_id:
            item_best[doc.department_id] = max(item_best.get(doc.department_id, 0.0), score)
    for row in index.profile_rows:
        doc = index.docs[row]
        profile_best[doc.department_id] = max(profile_best.get(doc.department_id, 0.0), float(scores[row]))

    raw = {}
    for unit_id in index.departments:
        a, b = item_best.get(unit_id, 0.0), profile_best.get(unit_id, 0.0)
        raw[str(unit_id)] = max(a, b) + 0.3 * min(a, b)
    locality = sum(1 for pattern in _LOCALITY_RES if pattern.search(body))
    # A named place (属地) is a cue of the level model, counted there once; it does not also inflate the township's
    # BM25 (that double count sent more village matters of a department to 人工研判, and made the level worse).
    raw[learning.TOWNSHIP] = township_best

    shares = _softmax(raw, temperature=max(0.5, TEMPERATURE * max(raw.values())))
    # The level reads the published list and the profiles only: blending the learned model into the township's
    # share made the level worse on the development messages, and its township posterior, fitted as a cue of its
    # own (evidence "model_township", not in LEVEL_WEIGHTS), weighs about 0 on both halves (bench_routing.py
    # --fit). The model ranks the departments.
    list_township_share = shares.get(learning.TOWNSHIP, 0.0)
    list_best_share = max((v for k, v in shares.items() if k != learning.TOWNSHIP), default=0.0)
    model = learning.current_model()
    model_township = 0.0  # log-odds of "township" in the learned model (0 without one); evidence only
    if model is not None and model.examples:
        posterior = model.posterior(query, labels=set(raw))
        if posterior:
            odds = (posterior.get(learning.TOWNSHIP, 0.0) + 1e-3) / (1 - posterior.get(learning.TOWNSHIP, 0.0) + 1e-3)
            model_township = max(-6.0, min(6.0, math.log(odds)))
            weight = MODEL_WEIGHT_CAP * model.examples / (model.examples + MODEL_WEIGHT_HALF)
            for label in raw:
                shares[label] = (1 - weight) * shares[label] + weight * posterior.get(label, 0.0)

    township_share = shares.pop(learning.TOWNSHIP, 0.0)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    evidence = _level_evidence(body, list_township_share, list_best_share, locality, index.township_prior)
    evidence["township_bm25"] = township_best
    evidence["model_township"] = model_township
    verdict, confidence = _verdict(evidence)

    dept_scores = []
    for label, share in ranked[:limit_departments]:
        if share <= 0.01 and dept_scores:
            break
        unit = index.departments[int(label)]
        profile = unit.routing_profile if routing_index._has_profile(unit) else None
        doc_tokens = next((index.docs[r].tokens for r in index.profile_rows if index.docs[r].department_id == unit.pk), [])
        dept_type = profile.dept_type if profile else DepartmentType.OTHER
        dept_scores.append(DepartmentScore(
            unit_id=unit.pk, code=unit.code, name=unit.display_name, type=str(dept_type),
            type_label=TYPE_LABELS.get(dept_type, "") if profile else "", score=share,
            matched=text.matched_words(tokens, doc_tokens),
        ))

    # Items are ranked by their own BM25 score weighted by the share of whoever they name (the township for a
    # basic item, else their department), so the items shown are the ones behind the answer.
    def item_rank(row):
        doc = index.docs[row]
        share = township_share if doc.item.kind == "basic" else shares.get(str(doc.department_id), 0.0)
        return float(scores[row]) * (0.5 + share)

    ranked_rows = sorted((r for r in index.item_rows if scores[r] > 0), key=item_rank, reverse=True)
    items = []
    for row in ranked_rows[:limit_items]:
        doc = index.docs[row]
        item = doc.item
        items.append(ItemScore(
            item=item, code=item.code, title=item.title, kind=item.kind,
            department=item.department.code if item.department_id else None,
            department_name=item.department.display_name if item.department_id else "", score=float(scores[row]),
            matched=text.matched_words(tokens, doc.tokens),
        ))
    matched = []
    for group in [i.matched for i in items] + [d.matched for d in dept_scores[:3]]:
        for word in group:
            if word not in matched:
                matched.append(word)
    return Suggestion(
        verdict=verdict, confidence=min(max(confidence, 0.0), 1.0), departments=dept_scores, items=items,
        matched=matched[:12], model_version=model.version if model else None, tokens=tokens,
        department_names={pk: unit.display_name for pk, unit in index.departments.items()}, evidence=evidence,
    )


def _level_evidence(body, township_share, best_share, locality, prior):
    """The log-odds that the matter is the township's own (see LEVEL_WEIGHTS), and the cues behind it."""
    first = body.partition("\n")[0]
    share_ratio = math.log((township_share + 1e-4) / (best_share + 1e-4))
    cues = {
        "share_ratio": share_ratio,
        "clear_lead": max(0.0, share_ratio - CLEAR_LEAD),
        "title_township": 1.0 if _TOWNSHIP_NAMED_RE.search(first) else 0.0,
        "locality": float(locality),
        "names_bureau": 1.0 if _BUREAU_NAMED_RE.search(body) else 0.0,
        "names_township_government": 1.0 if _TOWNSHIP_GOVERNMENT_RE.search(body) else 0.0,
        "village_affairs": 1.0 if _VILLAGE_AFFAIRS_RE.search(body) else 0.0,
        "department_service": 1.0 if _DEPARTMENT_SERVICE_RE.search(body) else 0.0,
    }
    log_odds = prior + LEVEL_BIAS + sum(LEVEL_WEIGHTS[k] * v for k, v in cues.items())
    return {**cues, "prior": prior, "township_share": township_share, "best_share": best_share,
            "p_township": 1 / (1 + math.exp(-log_odds))}


def _verdict(evidence):
    """township when P(township) is high, department when it is low and a department stands out, else undecided."""
    p, best_share = evidence["p_township"], evidence["best_share"]
    if p >= TOWNSHIP_P and evidence["township_bm25"] >= TOWNSHIP_MIN_BM25:
        return "township", p
    if p <= DEPARTMENT_P and best_share >= DEPARTMENT_MIN_SHARE:
        return "department", best_share
    return "undecided", max(best_share, evidence["township_share"])


def _query_tokens(body, tokens):
    """Each word at most twice (a word said twice, or two synonyms of one word, is the point of the message; a
    long letter must not outweigh a short one by repeating itself), and the first line (the title) once more:
    it is the matter in the writer's own summary."""
    counts = {}
    words = []
    for word in tokens:
        counts[word] = counts.get(word, 0) + 1
        if counts[word] <= 2:
            words.append(word)
    first, _, rest = body.partition("\n")
    if rest.strip():
        words += list(dict.fromkeys(text.tokenize(first)))
    return words


def _softmax(raw, temperature):
    values = dict(raw)
    values["__none__"] = NONE_SCORE
    top = max(values.values())
    exp = {k: math.exp((v - top) / temperature) for k, v in values.items()}
    norm = sum(exp.values())
    return {k: v / norm for k, v in exp.items() if k != "__none__"}


@dataclass
class SimilarCase:
    reference: str  # the case number or the hotline reference
    title: str
    handled_by: str
    score: float
    case_id: int | None = None


def similar_cases(text_, *, exclude_case=None, limit=5, names=None):
    """Past matters most like this one and who handled them (the learned model's examples). `names` maps
    department ids to names (a suggestion's index has them; otherwise one query)."""
    from django.utils.translation import gettext as _

    model = learning.current_model()
    tokens = text.tokenize((text_ or "")[:MAX_QUERY_CHARS])
    if model is None or not tokens:
        return []
    found = model.similar(tokens, limit=limit, exclude=f"case:{exclude_case}" if exclude_case else None)
    unit_ids = {int(label) for _src, label, *_rest in found if label != learning.TOWNSHIP}
    if names is None or not unit_ids <= set(names):
        names = {u.pk: u.display_name for u in Unit.objects.filter(pk__in=unit_ids).only("pk", "name", "short_name")}
    out = []
    for source, label, score, reference, title in found:
        handled = _("乡镇（街道）（属本级职责）") if label == learning.TOWNSHIP else names.get(int(label), "")
        kind, pk = source.split(":")
        out.append(SimilarCase(reference, title, handled, score, case_id=int(pk) if kind == "case" else None))
    return out


# --- Writes -----------------------------------------------------------------------------------------------

PROFILE_FIELDS = ("dept_type", "functions", "keywords")


def profile_update(*, unit, actor, dept_type, functions, keywords=""):
    """Create or change a department's routing profile (a list editor of its jurisdiction, or a list
    administrator). In one transaction: lock the profile row, validate, save, write a ProfileEvent with each
    changed field (old, new). Saving bumps the index generation on commit (routing.apps), so the next suggestion
    reads the new wording. Returns the profile; no event and no save when nothing changed."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import IntegrityError, transaction
    from django.utils.translation import gettext as _

    from responsibilities.permissions import can_edit_scope
    from routing.models import DepartmentProfile, ProfileEvent

    if unit.kind != UnitKind.DEPARTMENT:
        raise PermissionDenied(_("只有职能部门有职责画像。"))
    if not can_edit_scope(actor, unit):
        raise PermissionDenied(_("该部门不在您的辖区内，不能修改其职责画像。"))
    values = {"dept_type": dept_type, "functions": (functions or "").strip(), "keywords": (keywords or "").strip()}
    with transaction.atomic():
        profile = DepartmentProfile.objects.select_for_update().filter(unit=unit).first()
        created = profile is None
        if created:
            profile = DepartmentProfile(unit=unit)
        old = {name: getattr(profile, name) for name in PROFILE_FIELDS}
        for name, value in values.items():
            setattr(profile, name, value)
        profile.full_clean()
        changes = {name: [old[name] or "", values[name]] for name in PROFILE_FIELDS if created or old[name] != values[name]}
        if not changes:
            return profile
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError:  # another editor created this department's profile at the same moment
            raise ValidationError(_("另一位编辑刚刚建立了该部门的职责画像，请刷新页面后再修改。")) from None
        ProfileEvent.objects.create(
            unit=unit, actor=actor, action="profile.created" if created else "profile.changed", data={"changes": changes},
        )
    return profile
