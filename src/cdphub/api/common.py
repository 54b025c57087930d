"""What every part of the API shares: error bodies, pagination, and refusing a bad filter
with a message that names it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Path, Schema
from ninja.errors import ValidationError
from ninja.pagination import PageNumberPagination
from pydantic import BeforeValidator


class Message(Schema):
    detail: str


class Problem(Schema):
    loc: list[str | int] = Field(description="Where the problem is, e.g. [\"query\", \"metric\"].")
    msg: str = Field(description="What is wrong and how to put it right.")
    type: str


class Invalid(Schema):
    """A request whose parameters are not valid (422): each problem names its parameter."""

    detail: list[Problem]


ERRORS = {401: Message, 403: Message, 404: Message}
# Operations with parameters that can be malformed also answer 422.
PARAMETER_ERRORS = {**ERRORS, 422: Invalid}

# What parameters may hold. Nothing reaches the database with a control character in it
# (PostgreSQL refuses NUL in text outright).
TEXT = r"^[^\x00-\x1f\x7f]*$"
SLUG = r"^[-a-zA-Z0-9_]+$"
GSS_CODE = r"^[A-Za-z][0-9]{8}$"


def _iso_date(value):
    """Dates as YYYY-MM-DD only: pydantic would otherwise read a number as a Unix time."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("Enter a date as YYYY-MM-DD, for example 2023-03-31")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
SlugPath = Annotated[str, Path(pattern=SLUG, max_length=80)]
CodePath = Annotated[str, Path(pattern=GSS_CODE, description="A GSS code, e.g. E10000006.")]

MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """Page-number pagination (``page``, ``page_size``) answering ``{"items": [...],
    "count": n}``. Pages are numbered from 1; a ``page_size`` above the operation's maximum
    is reduced to it."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
        page_size: int | None = Field(None, ge=1, le=10_000,
                                      description="Items per page (reduced to the maximum).")


def invalid(parameter: str, message: str, *, where: str = "query") -> ValidationError:
    """A 422 answer naming ``parameter``, in the same shape as django-ninja's own."""
    problem: dict[str, Any] = {"type": "value_error", "loc": [where, parameter], "msg": message}
    return ValidationError([problem])
