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


class MalformedPayload(DomainError):
    """What a surface received is not what the platform sends: a forged request, or a future Slack.

    The person reads `message`, a polite refusal; the log gets `detail` (what was wrong, named by
    its field, never the payload itself) as a one-line warning, without a traceback.
    """

    def __init__(self, detail: str, message: str = ("I couldn't read that request, so nothing was changed. "
                                                   "Try again from a fresh `/tech` command.")):
        super().__init__(message)
        self.detail = detail
