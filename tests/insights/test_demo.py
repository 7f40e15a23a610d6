"""seed_demo gives the policy-jam page something to show: each of the six detectors fires for 示范县 this month,
and a second run adds nothing."""

import pytest
from django.core.management import call_command

from cases.models import Case
from insights.models import Detector, Finding

pytestmark = pytest.mark.django_db


def test_the_demo_makes_every_detector_fire_once_at_least_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert set(Finding.objects.values_list("detector", flat=True)) == set(Detector.values)
    cases, findings = Case.objects.count(), Finding.objects.count()
    call_command("seed_demo")
    assert Case.objects.count() == cases and Finding.objects.count() == findings
