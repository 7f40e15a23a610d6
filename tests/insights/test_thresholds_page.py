"""The county's thresholds page: who may change them, validation with a clear message, and the stored values."""

import pytest
from django.urls import reverse

from insights.models import CountyThresholds
from insights.services import thresholds_for

pytestmark = pytest.mark.django_db
URL = reverse("insights:thresholds")


def post_values(org, **changes):
    values = {"county": org.county.pk, **{k: v for k, v in thresholds_for(org.county).items()}, **changes}
    return values


@pytest.mark.parametrize("name", ["reporter", "officer", "dept_supervisor", "township_supervisor", "dispatcher"])
def test_townships_departments_and_dispatchers_may_not_change_them(client_for, org, name):
    client = client_for(getattr(org, name))
    assert client.get(URL).status_code == 403
    assert client.post(URL, post_values(org, gap_min_cluster=2)).status_code == 403
    assert not CountyThresholds.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client_for, org):
    assert client_for(None).post(URL, post_values(org)).status_code == 302
    assert not CountyThresholds.objects.exists()


def test_an_editor_changes_a_threshold_and_the_page_shows_it(client_for, org):
    client = client_for(org.editor)
    page = client.get(URL).content.decode()
    assert "清单空白：相近案件至少多少件" in page and "默认值：3" in page
    response = client.post(URL, post_values(org, gap_min_cluster=4, hot_spot_z="3.0"))
    assert response.status_code == 302
    assert CountyThresholds.objects.get(county=org.county).values == {"gap_min_cluster": 4, "hot_spot_z": 3.0}
    assert 'value="4"' in client.get(URL).content.decode()


@pytest.mark.parametrize("changes", [{"disputed_share": "1.5"}, {"gap_min_cluster": "0"}, {"hot_spot_z": "abc"},
                                     {"min_cases": ""}])
def test_a_wrong_value_is_refused_with_a_message_and_nothing_is_stored(client_for, org, changes):
    response = client_for(org.supervisor).post(URL, post_values(org, **changes))
    assert response.status_code == 200
    assert "请按提示修改下面标红的内容。" in response.content.decode()
    assert not CountyThresholds.objects.exists()
