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

MAX_QUERY_CHARS = 2000
TEMPERATURE = 2.0  # BM25 points per e-fold of odds between two candidates
NONE_SCORE = 3.0  # a pseudo-candidate "nothing fits": low scores everywhere give low confidence
TOWNSHIP_MARGIN = 2.0  # the township's share must be this many times the best department's
TOWNSHIP_MIN_SHARE = 0.45
TOWNSHIP_MIN_BM25 = 4.0
DEPARTMENT_MIN_SHARE = 0.12
LOCALITY_BONUS = 1.5  # BM25 points for a matter placed in a named village or group (属地)
MODEL_WEIGHT_CAP = 0.45
MODEL_WEIGHT_HALF = 150  # examples at which the learned model gets half its maximum weight

_LOCALITY_RE = re.compile(r"[\u4e00-\u9fff]{1,5}(?:村|组)(?:[\u4e00-\u9fff]{0,5}组)?(?![委民务级])")


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
    """(published versions, candidate departments) for a township, or for every township when None."""
    from responsibilities.models import ListVersion, VersionStatus
    from responsibilities.selectors import published_versions_for_unit

    if township is not None:
        versions = list(published_versions_for_unit(township))
        county_ids = township.ancestor_ids()
    else:
        versions = list(ListVersion.objects.filter(status=VersionStatus.PUBLISHED, duty_list__level=Level.TOWNSHIP))
        county_ids = list({v.duty_list.jurisdiction_id for v in ListVersion.objects.filter(pk__in=[v.pk for v in versions])
                          .select_related("duty_list")})
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).filter(Q(parent_id__in=county_ids))
    return versions, departments


def suggest(text_, township=None, *, limit_items=5, limit_departments=5):
    """Who handles this matter? See the module docstring for the rule."""
    body = (text_ or "").strip()[:MAX_QUERY_CHARS]
    tokens = text.tokenize(body)
    if not tokens:
        return EMPTY
    versions, departments = _scope(township)
    index = routing_index.index_for(versions, departments)
    if not index.docs:
        return Suggestion("undecided", 0.0, [], [], [], tokens=tokens)
    scores = index.scores(tokens)

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
    locality = bool(_LOCALITY_RE.search(body))
    raw[learning.TOWNSHIP] = township_best + (LOCALITY_BONUS if locality and township_best > 0 else 0.0)

    shares = _softmax(raw)
    model = learning.current_model()
    if model is not None and model.examples:
        posterior = model.posterior(tokens, labels=set(raw))
        if posterior:
            weight = MODEL_WEIGHT_CAP * model.examples / (model.examples + MODEL_WEIGHT_HALF)
            covered = sum(shares.get(lab, 0.0) for lab in posterior)
            for label in raw:
                shares[label] = (1 - weight) * shares[label] + weight * posterior.get(label, 0.0) * covered

    township_share = shares.pop(learning.TOWNSHIP, 0.0)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    best_share = ranked[0][1] if ranked else 0.0
    if (township_share >= TOWNSHIP_MIN_SHARE and township_best >= TOWNSHIP_MIN_BM25
            and township_share >= TOWNSHIP_MARGIN * best_share):
        verdict, confidence = "township", township_share
    elif best_share >= DEPARTMENT_MIN_SHARE and best_share > township_share:
        verdict, confidence = "department", best_share
    else:
        verdict, confidence = "undecided", max(best_share, township_share)

    dept_scores = []
    for label, share in ranked[:limit_departments]:
        if share <= 0.01 and dept_scores:
            break
        unit = index.departments[int(label)]
        profile = unit.routing_profile if routing_index._has_profile(unit) else None
        doc_tokens = next((index.docs[r].tokens for r in index.profile_rows if index.docs[r].department_id == unit.pk), [])
        dept_scores.append(DepartmentScore(
            unit_id=unit.pk, code=unit.code, name=unit.name, type=profile.dept_type if profile else "other",
            type_label=profile.get_dept_type_display() if profile else "", score=share,
            matched=text.matched_words(tokens, doc_tokens),
        ))

    item_rows = sorted(index.item_rows, key=lambda r: -scores[r])[:limit_items]
    items = []
    for row in item_rows:
        score = float(scores[row])
        if score <= 0:
            break
        doc = index.docs[row]
        item = doc.item
        items.append(ItemScore(
            item=item, code=item.code, title=item.title, kind=item.kind,
            department=item.department.code if item.department_id else None,
            department_name=item.department.name if item.department_id else "", score=score,
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
    )


def _softmax(raw):
    values = dict(raw)
    values["__none__"] = NONE_SCORE
    top = max(values.values())
    exp = {k: math.exp((v - top) / TEMPERATURE) for k, v in values.items()}
    norm = sum(exp.values())
    return {k: v / norm for k, v in exp.items() if k != "__none__"}
