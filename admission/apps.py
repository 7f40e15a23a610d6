from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "admission"
    verbose_name = _("职责准入")

    def ready(self):
        # The public item page of the lists shows an admitted duty's record through this resolver;
        # the lists app never imports this one.
        from admission.selectors import public_admission_info
        from responsibilities.provenance import register_resolver

        register_resolver(public_admission_info)
