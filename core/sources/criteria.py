"""Segment criteria (P-8c): data in `Segment.criteria`, checked on save, compiled to one SQL condition.

Every key is optional; the given ones must all hold (AND). `exclude` holds a nested block of
the same keys whose matches are removed. The format is documented in docs/contacts.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true

from core.delivery.models import Enrollment, Relation
from core.i18n import t
from core.languages import language_code
from core.links.models import Click
from core.sources.models import Contact

Sentiment = Literal["positive", "negative", "neutral"]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgeRange(_Block):
    min: int | None = Field(default=None, ge=0, le=130)
    max: int | None = Field(default=None, ge=0, le=130)


class Clicked(_Block):
    campaign_id: int | None = None  # None: a link of any campaign


class Replied(_Block):
    sentiment: list[Sentiment] | None = None  # None: whatever the sentiment
    campaign_id: int | None = None


class Criteria(_Block):
    language: list[str] | None = None
    location: str | None = None
    company: str | None = None
    job_title: str | None = None
    age: AgeRange | None = None
    clicked: Clicked | bool | None = None
    replied: Replied | bool | None = None
    in_campaign: list[int] | bool | None = None
    not_in_campaign: list[int] | bool | None = None
    connected_to_sender: bool | None = None
    exclude: Criteria | None = None

    @field_validator("language")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(language_code(v) for v in value))

    @field_validator("location", "company", "job_title")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        value = " ".join((value or "").split())
        return value or None

    def needs_sender(self) -> bool:
        return self.connected_to_sender is not None or bool(self.exclude and self.exclude.needs_sender())


KNOWN_KEYS = tuple(Criteria.model_fields)


def parse_criteria(data: dict[str, Any] | None) -> Criteria:
    """Criteria from their stored form. ValueError names the unknown or malformed key."""
    if data is None:
        return Criteria()
    if not isinstance(data, dict):
        raise ValueError(t("criteria.not_object"))
    try:
        return Criteria.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "criteria"
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown segment criterion '{key}' (known: {', '.join(KNOWN_KEYS)})")
            else:
                problems.append(f"segment criterion '{key}': {err['msg']}")
        raise ValueError("; ".join(dict.fromkeys(problems))) from None


def dump_criteria(criteria: Criteria) -> dict[str, Any]:
    return criteria.model_dump(exclude_none=True)


def criteria_condition(criteria: Criteria, *, sender_account_id: int | None, now_year: int) -> ColumnElement[bool]:
    """One SQL condition over `Contact` (correlated EXISTS for behaviour) that holds for matches."""
    conditions: list[ColumnElement[bool]] = []
    c = criteria
    if c.language is not None:
        conditions.append(Contact.language.in_(c.language) if c.language else false())
    for column, text in ((Contact.location, c.location), (Contact.company, c.company),
                         (Contact.job_title, c.job_title)):
        if text:
            conditions.append(column.icontains(text, autoescape=True))
    if c.age is not None:
        conditions.append(_age_condition(c.age, now_year))
    if c.clicked is not None and c.clicked is not False:
        conditions.append(_clicked(c.clicked if isinstance(c.clicked, Clicked) else Clicked()))
    elif c.clicked is False:
        conditions.append(not_(_clicked(Clicked())))
    if c.replied is not None and c.replied is not False:
        conditions.append(_replied(c.replied if isinstance(c.replied, Replied) else Replied()))
    elif c.replied is False:
        conditions.append(not_(_replied(Replied())))
    if c.in_campaign is not None:
        conditions.append(_enrolled(c.in_campaign) if c.in_campaign is not False else not_(_enrolled(True)))
    if c.not_in_campaign is not None:
        conditions.append(not_(_enrolled(c.not_in_campaign)) if c.not_in_campaign is not False else _enrolled(True))
    if c.connected_to_sender is not None:
        connected = _connected(sender_account_id)
        conditions.append(connected if c.connected_to_sender else not_(connected))
    if c.exclude is not None:
        excluded = criteria_condition(c.exclude, sender_account_id=sender_account_id, now_year=now_year)
        # A contact whose excluded attribute is unknown (NULL) is not excluded.
        conditions.append(not_(func.coalesce(excluded, false())))
    return and_(true(), *conditions)


def _age_condition(age: AgeRange, now_year: int) -> ColumnElement[bool]:
    """A known birth year decides; else the contact's estimated range must overlap the wanted one."""
    low, high = age.min if age.min is not None else 0, age.max if age.max is not None else 200
    by_year = and_(Contact.birth_year.is_not(None), (now_year - Contact.birth_year).between(low, high))
    est_low = func.coalesce(Contact.age_min, Contact.age_max)
    est_high = func.coalesce(Contact.age_max, Contact.age_min)
    by_estimate = and_(Contact.birth_year.is_(None), est_low.is_not(None), est_high >= low, est_low <= high)
    return or_(by_year, by_estimate)


def _clicked(clicked: Clicked) -> ColumnElement[bool]:
    q = select(Click.id).where(Click.contact_id == Contact.id)
    if clicked.campaign_id is not None:
        q = q.where(Click.campaign_id == clicked.campaign_id)
    return exists(q)


def _replied(replied: Replied) -> ColumnElement[bool]:
    q = select(Enrollment.id).where(Enrollment.contact_id == Contact.id, Enrollment.replied_at.is_not(None))
    if replied.sentiment:
        q = q.where(Enrollment.reply_sentiment.in_(replied.sentiment))
    if replied.campaign_id is not None:
        q = q.where(Enrollment.campaign_id == replied.campaign_id)
    return exists(q)


def _enrolled(campaigns: list[int] | bool) -> ColumnElement[bool]:
    q = select(Enrollment.id).where(Enrollment.contact_id == Contact.id)
    if campaigns is not True:
        if not campaigns:
            return false()
        q = q.where(Enrollment.campaign_id.in_(campaigns))
    return exists(q)


def _connected(account_id: int | None) -> ColumnElement[bool]:
    if account_id is None:
        return false()  # a sender without a LinkedIn account is connected to nobody
    return exists(select(Relation.id).where(
        Relation.account_id == account_id,
        or_(Relation.contact_id == Contact.id, Relation.public_identifier == Contact.public_identifier)))
