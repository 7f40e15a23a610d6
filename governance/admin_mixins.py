"""Admin building blocks shared by the apps."""


class ReadOnlyMixin:
    """No add, change or delete in the admin: changes go through the services and leave an audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
