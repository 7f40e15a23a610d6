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
MODEL_KEY = "routing:model-id"
_models = {}
_lock = threading.Lock()

TEMPER = 12
DECISION_ACTIONS = ("case.assigned", "case.reassigned", "case.returned", "case.declined")


def decision_examples():
    """[(source, text, label, reference, title)]: one per case with a standing decision in the case log ("case:<id>"), then the
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

    rows = {pk: (number, title, description) for pk, number, title, description in
            Case.objects.filter(pk__in=labels).values_list("pk", "number", "title", "description")}
    examples = [
        (f"case:{pk}", f"{rows[pk][1]}\n{rows[pk][2]}", labels[pk], rows[pk][0], rows[pk][1])
        for pk in sorted(labels) if pk in rows
    ]
    from routing.models import PastDecision

    for pk, reference, title, description, department_id in PastDecision.objects.order_by("pk").values_list(
        "pk", "reference", "title", "description", "department_id"
    ):
        label = str(department_id) if department_id else TOWNSHIP
        examples.append((f"past:{pk}", f"{title}\n{description}", label, reference, title))
    return examples


def train(examples):
    """Model parameters from decision_examples(). The examples' words, reference and title are kept for
    "similar past cases" (so the case page needs no query for them)."""
    counts, docs, totals = {}, {}, {}
    cases = []
    for case_id, body, label, reference, title in examples:
        tokens = text.tokenize(body)
        docs[label] = docs.get(label, 0) + 1
        bag = counts.setdefault(label, {})
        for token in tokens:
            bag[token] = bag.get(token, 0) + 1
        totals[label] = totals.get(label, 0) + len(tokens)
        cases.append([case_id, label, tokens[:80], reference, title])
    vocabulary = len({t for bag in counts.values() for t in bag})
    return {"docs": docs, "counts": counts, "totals": totals, "vocabulary": vocabulary, "cases": cases}


def fingerprint(examples):
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps(list(example), ensure_ascii=False).encode())
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
    latest = RoutingModel.objects.order_by("-version").values_list("pk", flat=True).first()
    cache.set(MODEL_KEY, latest, 300)
    _local["model_id"] = (None, 0.0)
    return existing


_local = {"model_id": (None, 0.0)}
LOCAL_SECONDS = 5.0  # how long a process trusts its copy of the current model id before asking the cache


def current_model_id():
    """The id of the latest model (cached for a few minutes; retraining refreshes it), or None."""
    import time

    pk, until = _local["model_id"]
    if until > time.monotonic():
        return pk
    pk = _cached_model_id()
    _local["model_id"] = (pk, time.monotonic() + LOCAL_SECONDS)
    return pk


def forget():
    """Drop this process's copies (tests, and right after retraining)."""
    _models.clear()
    _local["model_id"] = (None, 0.0)


def _cached_model_id():
    pk = cache.get(MODEL_KEY)
    if pk is None:
        from routing.models import RoutingModel

        pk = RoutingModel.objects.order_by("-version").values_list("pk", flat=True).first() or 0
        cache.set(MODEL_KEY, pk, 300)
    return pk or None


class NaiveBayes:
    def __init__(self, version, params):
        self.version = version
        self.docs = params.get("docs", {})
        self.counts = params.get("counts", {})
        self.totals = params.get("totals", {})
        self.vocabulary = max(params.get("vocabulary", 0), 1)
        self.cases = params.get("cases", [])
        self.examples = sum(self.docs.values())
        self._similar_index = None
        # log P(word | label) for every word seen with the label, and the value for an unseen word.
        self._logp, self._unseen = {}, {}
        for label in self.docs:
            bag, size = self.counts.get(label, {}), self.totals.get(label, 0) + self.vocabulary
            self._logp[label] = {word: math.log((n + 0.5) / size) for word, n in bag.items()}
            self._unseen[label] = math.log(0.5 / size)

    def similar(self, tokens, limit=5, exclude=None):
        """[(source, label, score, reference, title)] of the training examples closest to `tokens` (BM25 over
        their words)."""
        if not self.cases or not tokens:
            return []
        if self._similar_index is None:
            import bm25s

            retriever = bm25s.BM25()
            retriever.index([c[2] or ["∅"] for c in self.cases], show_progress=False)
            self._similar_index = retriever
        scores = self._similar_index.get_scores(list(dict.fromkeys(tokens)))
        ranked = sorted(range(len(self.cases)), key=lambda i: -scores[i])
        out = []
        for i in ranked:
            if scores[i] <= 0 or len(out) >= limit:
                break
            if exclude and self.cases[i][0] == exclude:
                continue
            source, label, _words, reference, title = self.cases[i]
            out.append((source, label, float(scores[i]), reference, title))
        return out

    def posterior(self, tokens, labels=None):
        """{label: probability} over the labels seen in training (restricted to `labels` when given)."""
        candidates = [lab for lab in self.docs if labels is None or lab in labels]
        if not candidates or not tokens:
            return {}
        total_docs = sum(self.docs[lab] for lab in candidates)
        # Naive Bayes is over-confident on long texts (hundreds of words multiply); the evidence is tempered to
        # count as at most TEMPER words, so a long letter and a short title weigh alike.
        temper = min(1.0, TEMPER / len(tokens))
        logs = {}
        for label in candidates:
            logp, unseen = self._logp[label], self._unseen[label]
            evidence = sum(logp.get(token, unseen) for token in tokens)
            logs[label] = math.log(self.docs[label] / total_docs) + temper * evidence
        top = max(logs.values())
        exp = {lab: math.exp(v - top) for lab, v in logs.items()}
        norm = sum(exp.values())
        return {lab: v / norm for lab, v in exp.items()}


def current_model():
    """The latest trained model (cached per process and version), or None before the first training."""
    pk = current_model_id()
    if not pk:
        return None
    model = _models.get(pk)
    if model is None:
        from routing.models import RoutingModel

        row = RoutingModel.objects.filter(pk=pk).first()
        if row is None:
            return None
        model = NaiveBayes(row.version, row.params)
        with _lock:
            _models.clear()
            _models[pk] = model
    return model
