"""Learning from the county's own decisions: a multinomial naive Bayes over the routing tokens.

Every assign, reassign, return and decline in the case log (CaseEvent) says where a matter belongs: the last
decision of each case is its label (a department's unit id, or "township" for a return), and a decline
withdraws the declined department. The model is small (token counts per label, JSON in RoutingModel) and is
retrained by the idempotent periodic task routing.tasks.retrain: the same examples give the same
fingerprint and no new version.
"""

import hashlib
import json
import math
import threading

from django.core.cache import cache
from django.db import IntegrityError, transaction

from routing import text

TOWNSHIP = "township"
MODEL_KEY = "routing:model-version"
_models = {}
_lock = threading.Lock()

DECISION_ACTIONS = ("case.assigned", "case.reassigned", "case.returned", "case.declined")


def decision_examples():
    """[(source, text, label)]: one per case with a standing decision in the case log ("case:<id>"), then the
    imported history (routing.models.PastDecision, "past:<id>")."""
    from cases.models import CaseEvent

    labels = {}
    events = CaseEvent.objects.filter(action__in=DECISION_ACTIONS).order_by("case_id", "created_at", "id")
    for event in events.values("case_id", "action", "data"):
        data = event["data"] or {}
        if event["action"] == "case.assigned":
            labels[event["case_id"]] = str(data.get("lead_department") or "")
        elif event["action"] == "case.reassigned":
            labels[event["case_id"]] = str(data.get("to_department") or "")
        elif event["action"] == "case.returned":
            labels[event["case_id"]] = TOWNSHIP
        elif labels.get(event["case_id"]) == str(data.get("department")):
            labels.pop(event["case_id"])
    labels = {k: v for k, v in labels.items() if v}
    from cases.models import Case

    texts = dict(
        (pk, f"{title}\n{description}")
        for pk, title, description in Case.objects.filter(pk__in=labels).values_list("pk", "title", "description")
    )
    examples = [(f"case:{pk}", texts[pk], labels[pk]) for pk in sorted(labels) if pk in texts]
    from routing.models import PastDecision

    for pk, title, description, department_id in PastDecision.objects.order_by("pk").values_list(
        "pk", "title", "description", "department_id"
    ):
        examples.append((f"past:{pk}", f"{title}\n{description}", str(department_id) if department_id else TOWNSHIP))
    return examples


def train(examples):
    """Model parameters from [(case_id, text, label)]."""
    counts, docs, totals = {}, {}, {}
    cases = []
    for case_id, body, label in examples:
        tokens = text.tokenize(body)
        docs[label] = docs.get(label, 0) + 1
        bag = counts.setdefault(label, {})
        for token in tokens:
            bag[token] = bag.get(token, 0) + 1
        totals[label] = totals.get(label, 0) + len(tokens)
        cases.append([case_id, label, tokens[:80]])
    vocabulary = len({t for bag in counts.values() for t in bag})
    return {"docs": docs, "counts": counts, "totals": totals, "vocabulary": vocabulary, "cases": cases}


def fingerprint(examples):
    digest = hashlib.sha256()
    for case_id, body, label in examples:
        digest.update(json.dumps([case_id, body, label], ensure_ascii=False).encode())
    return digest.hexdigest()


def retrain():
    """Train on the current decisions; a new version only when they changed. Returns the current model."""
    from routing.models import RoutingModel

    examples = decision_examples()
    print_ = fingerprint(examples)
    existing = RoutingModel.objects.filter(fingerprint=print_).first()
    if existing is None:
        latest = RoutingModel.objects.order_by("-version").first()
        try:
            with transaction.atomic():
                existing = RoutingModel.objects.create(
                    version=(latest.version + 1) if latest else 1, fingerprint=print_, examples=len(examples),
                    params=train(examples),
                )
        except IntegrityError:  # another worker trained the same data at the same moment
            existing = RoutingModel.objects.get(fingerprint=print_)
    if existing.version >= (current_version() or 0):
        cache.set(MODEL_KEY, existing.version, None)
    return existing


def current_version():
    version = cache.get(MODEL_KEY)
    if version is None:
        from routing.models import RoutingModel

        latest = RoutingModel.objects.order_by("-version").values_list("version", flat=True).first()
        version = latest or 0
        cache.set(MODEL_KEY, version, 300)
    return version or None


class NaiveBayes:
    def __init__(self, version, params):
        self.version = version
        self.docs = params.get("docs", {})
        self.counts = params.get("counts", {})
        self.totals = params.get("totals", {})
        self.vocabulary = max(params.get("vocabulary", 0), 1)
        self.cases = params.get("cases", [])
        self.examples = sum(self.docs.values())

    def posterior(self, tokens, labels=None):
        """{label: probability} over the labels seen in training (restricted to `labels` when given)."""
        candidates = [lab for lab in self.docs if labels is None or lab in labels]
        if not candidates or not tokens:
            return {}
        total_docs = sum(self.docs[lab] for lab in candidates)
        logs = {}
        for label in candidates:
            bag, size = self.counts.get(label, {}), self.totals.get(label, 0) + self.vocabulary
            score = math.log(self.docs[label] / total_docs)
            for token in tokens:
                score += math.log((bag.get(token, 0) + 0.5) / size)
            logs[label] = score
        top = max(logs.values())
        exp = {lab: math.exp(v - top) for lab, v in logs.items()}
        norm = sum(exp.values())
        return {lab: v / norm for lab, v in exp.items()}


def current_model():
    """The latest trained model (cached per process and version), or None before the first training."""
    version = current_version()
    if not version:
        return None
    model = _models.get(version)
    if model is None:
        from routing.models import RoutingModel

        row = RoutingModel.objects.filter(version=version).first()
        if row is None:
            return None
        model = NaiveBayes(row.version, row.params)
        with _lock:
            _models.clear()
            _models[version] = model
    return model
