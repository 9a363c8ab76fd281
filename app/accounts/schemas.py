from pydantic import BaseModel, Field, field_validator

from app.communities.schemas import clean_email, clean_text


class SignUp(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=10, max_length=200)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return clean_email(value)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Enter your name")
        return value
