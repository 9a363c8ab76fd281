"""Validation that JSON bodies and page forms share (one pydantic model serves both).

A JSON body is held to its schema: where the schema says `integer` or `boolean`, text,
floats or other types are refused, not coerced (pydantic's lax mode would read `0` as
false, `"3"` or `true` as 3). A page form sends everything as text, so `parse_form`
(app/web/forms.py) says so in the validation context and text numbers are read there.
"""

from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo


def from_form(info: ValidationInfo) -> bool:
    """Set by parse_form (app/web/forms.py): the values come from a page's form."""
    return bool(info.context and info.context.get("form"))


def json_whole_number(value, info: ValidationInfo):
    if type(value) is int or from_form(info):
        return value
    raise ValueError("Send a whole number, like 3")


# An integer field of a request body; booleans are pydantic's StrictBool (pages give real ones).
WholeNumber = Annotated[int, BeforeValidator(json_whole_number)]
