"""Errors raised by insights.services, each with a message for the person (mapped like admission's)."""


class ProposalError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ProposalPermissionDenied(ProposalError):
    """The actor may not take this action on this proposal (HTML: 403)."""


class ProposalConflict(ProposalError):
    """Not possible in the proposal's current state, e.g. a second decision (HTML: a message, nothing written)."""
