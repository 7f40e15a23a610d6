"""Errors raised by admission.services, each with a message for the person (mapped like the lists' and cases')."""


class AdmissionError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AdmissionPermissionDenied(AdmissionError):
    """The actor has no role for this action on this request (HTML and API: 403)."""


class AdmissionConflict(AdmissionError):
    """Not possible in the request's current state, e.g. a second decision (HTML: message; API: 409)."""
