"""Domain errors whose message is fit to show a person as it is."""


class DomainError(Exception):
    """A rule said no. `field` names the form field it concerns, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    pass


class NotFound(DomainError):
    pass
