from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = _("分拨建议")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from routing import index
        from routing.models import DepartmentProfile, Synonym

        # A profile or synonym edit (admin, list editor, seed) makes the next suggestion rebuild its index.
        for model in (DepartmentProfile, Synonym):
            post_save.connect(_bump, sender=model, dispatch_uid=f"routing-bump-{model.__name__}")
            post_delete.connect(_bump, sender=model, dispatch_uid=f"routing-bump-del-{model.__name__}")
        del index


def _bump(**kwargs):
    from django.db import transaction

    from routing.index import bump_generation

    transaction.on_commit(bump_generation)
