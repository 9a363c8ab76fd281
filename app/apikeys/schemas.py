from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.communities.schemas import clean_text


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=80, examples=["Community website"])
    access: Literal["read", "read write"] = "read"
    expires_at: datetime | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Give the key a name, such as the system that will use it")
        return value
