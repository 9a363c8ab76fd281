"""Page forms are validated by the same pydantic models as the JSON API."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Invalid

M = TypeVar("M", bound=BaseModel)


class FormInvalid(Invalid):
    """Carries every field's message; uncaught, it is a clear 422 page."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()), ("form", "Please check what you entered."))
        super().__init__(message, field=field)
        self.errors = errors


def field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "form"
        message = err.get("msg", "Invalid value").removeprefix("Value error, ")
        if err.get("type") == "string_too_long":
            message = f"Please keep this under {err['ctx']['max_length']} characters."
        elif err.get("type") == "too_long":  # a list, typed one item per line
            message = f"Please keep this to {err['ctx']['max_length']} lines or fewer."
        elif err.get("type", "").startswith(("datetime_", "date_")):
            # Browsers without a date picker show a plain text box.
            message = "Enter a date and time, like 2027-06-03 14:00."
        elif err.get("type") in ("string_too_short", "missing"):
            message = "Please fill this in." if field != "password" else "Use at least 10 characters."
        errors.setdefault(field, message)
    return errors


def lines(text: str) -> list[str]:
    """A textarea's items, one per line; blank lines are just spacing, not items."""
    return [line for line in text.splitlines() if line.strip()]


def parse_form(model: type[M], data: dict) -> M:
    try:
        # The context lets a validator read a form's empty box as "none" where JSON must send null.
        return model.model_validate(data, context={"form": True})
    except ValidationError as exc:
        raise FormInvalid(field_errors(exc)) from exc
