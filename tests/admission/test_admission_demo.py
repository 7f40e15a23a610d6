"""seed_demo's admissions: every state, one approved duty whose funds never arrived; idempotent; the demo
reviewer signs in to a queue and the public item page of the admitted duty (once published) says 经准入."""

import pytest

from admission.models import AdmissionRequest, AdmissionState, ResourceArrival

pytestmark = pytest.mark.django_db


def test_demo_requests_cover_every_state_and_a_second_run_adds_nothing(client):
    from admission import demo as admission_demo
    from governance import demo as governance_demo
    from responsibilities import demo as lists_demo

    governance_demo.seed()
    lists_demo.seed()
    admission_demo.seed()
    states = set(AdmissionRequest.objects.values_list("state", flat=True))
    assert states == set(AdmissionState.values)
    retired = AdmissionRequest.objects.get(state="retired")
    assert [e.action for e in retired.events.order_by("pk")][-2:] == ["admission.renewal_due", "admission.retired"]
    approved = AdmissionRequest.objects.get(state="approved")
    assert ResourceArrival.objects.filter(resource__request=approved, resource__kind="funds", status="missing").exists()
    count = AdmissionRequest.objects.count()
    admission_demo.seed()
    assert AdmissionRequest.objects.count() == count

    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="reviewer"))
    body = client.get("/admission/").content.decode()
    assert "小餐饮登记信息核查" in body and "电动自行车集中充电设施巡查" in body
    assert "已准入事项公示" in client.get("/admission/public/").content.decode()
    page = client.get(f"/admission/{retired.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "已退出" in text and "试点期满" in text
