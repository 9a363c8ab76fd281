"""Domain errors: services raise these; the web layer turns them into a message in
the page or an RFC 9457 problem body. Never a 500 for something a person did."""


class DomainError(Exception):
    status_code = 400
    title = "That could not be done"

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class Forbidden(DomainError):
    status_code = 403
    title = "Not allowed"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"


class StaleVersion(Conflict):
    """Someone else changed the thing since this person read it (optimistic locking: the
    write matched no row at the version they saw). Pages show it as a conflict; the API
    as 412 (app/api/versions.py)."""

    def __init__(self, detail: str, current_version: int, field: str | None = None):
        super().__init__(detail, field=field)
        self.current_version = current_version


class PreconditionFailed(DomainError):
    """If-Match names a version that is no longer current (app/api/versions.py)."""

    status_code = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status_code = 428
    title = "Precondition required"


class Invalid(DomainError):
    status_code = 422
    title = "Please check what you entered"


class TooMany(DomainError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after
