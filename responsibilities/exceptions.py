"""Errors raised by responsibilities.services. Each carries a Chinese message for the person."""


class ListError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ListPermissionDenied(ListError):
    """The actor is not a list editor of this list's scope (HTML: 403)."""


class ListConflict(ListError):
    """The action is not possible in the version's current state (e.g. editing a published version)."""
