"""The case admin is read-only: it shows cases and their audit trail and changes nothing."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_a_case_but_offers_no_change(org, flow, client_for):
    case = flow.claimed()
    admin = client_for(org.admin)
    changelist = admin.get(reverse("admin:cases_case_changelist"))
    assert changelist.status_code == 200 and case.number in changelist.content.decode()
    page = admin.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200 and "case.claimed" in page.content.decode()
    assert admin.get(reverse("admin:cases_case_add")).status_code == 403
    assert admin.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    assert admin.get(reverse("admin:cases_caseevent_changelist")).status_code == 200
