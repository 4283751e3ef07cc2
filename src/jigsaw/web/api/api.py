"""The JSON API (django-ninja): ``/api/v1/...``, described at ``/api/openapi.json``.

Every operation admits the call first (:func:`~jigsaw.web.api.services.api_call_begin`: token,
scope, expiry, revocation, rate limit, audit row) and then calls the same service or selector as
the pages, as the token's account: the same validation, matching, grading, access rules and
suppression.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import HttpBearer

from jigsaw.web.api import selectors
from jigsaw.web.api.services import CallRefused, api_call_begin
from jigsaw.web.imports import fields

API_VERSION = "1.0.0"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer jgs_...``: the header is only read here; it is checked, counted
    and audited per operation (the scope differs), in :func:`_admit`."""

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token or None


api = NinjaAPI(
    title="Jigsaw API",
    version=API_VERSION,
    description=(
        "Agencies' systems submit concerns and read their status; partnership dashboards read "
        "the suppressed aggregates. Authenticate with `Authorization: Bearer <token>`; tokens "
        "are created by the area's administrator. See docs/api.md."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
v1 = Router()


class Problem(Schema):
    """Why a call was refused."""

    detail: str
    errors: list[FieldError] = []


class FieldError(Schema):
    field: str
    message: str


Problem.model_rebuild()

REFUSALS: dict[int, type[Schema]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    422: Problem,
    429: Problem,
}


@api.exception_handler(CallRefused)
def _refused(request: HttpRequest, exc: CallRefused) -> Any:
    _audited(request)
    return api.create_response(request, {"detail": exc.message, "errors": []}, status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> Any:
    return api.create_response(
        request,
        {"detail": "send an API token: Authorization: Bearer <token>", "errors": []},
        status=401,
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> Any:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
            "message": str(error.get("msg", "is invalid")),
        }
        for error in exc.errors
    ]
    return api.create_response(
        request, {"detail": "the request is invalid", "errors": errors}, status=422
    )


def _audited(request: HttpRequest) -> None:
    """Tell the page guard's refusal audit that this call is audited already, as the token's
    (a browser session that happens to be signed in is not who made the call)."""
    request.jigsaw_refusal_audited = True  # type: ignore[attr-defined]


def _admit(request: HttpRequest, scope: str) -> Any:
    """The token's account, once the call is admitted for ``scope`` (see the module doc)."""
    token = api_call_begin(
        token_text=str(getattr(request, "auth", "")),
        scope=scope,
        method=request.method or "",
        path=request.path,
    )
    _audited(request)
    return token.account


def _unprocessable(errors: dict[str, str]) -> HttpError:
    error = HttpError(422, "the concern is invalid")
    error.errors = errors  # type: ignore[attr-defined]
    return error


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> Any:
    errors = getattr(exc, "errors", {})
    return api.create_response(
        request,
        {"detail": str(exc), "errors": [{"field": k, "message": v} for k, v in errors.items()]},
        status=exc.status_code,
    )


# --- Schemas --------------------------------------------------------------------------------


class ChildIn(Schema):
    """The child as the submitting agency knows them (a record it did not hold before)."""

    first_name: str = Field(max_length=80, examples=["Jessica"])
    last_name: str = Field(max_length=80, examples=["Smith"])
    dob: str = Field(
        max_length=40, description="date of birth in any common UK form", examples=["03/04/2011"]
    )
    sex: str = Field("U", max_length=16, description="F, M or U (or female, male, 1, 2, 9 ...)")
    postcode: str = Field("", max_length=10, examples=["LS1 4AP"])
    nhs_number: str = Field("", max_length=14, description="ten digits with a valid check digit")


class ConcernIn(Schema):
    """A concern: about a new ``child``, or about a ``record_id`` the agency already holds."""

    child: ChildIn | None = None
    record_id: str = Field("", max_length=64, description="one of the agency's stored records")
    seen_on: str = Field(
        max_length=40,
        description="the date the signs were seen (UK forms)",
        examples=["28/11/2026"],
    )
    indicators: list[str] = Field(
        max_length=99,
        description="catalogue indicator ids or labels",
        examples=[["missing_episodes"]],
    )
    note: str = Field("", max_length=10000, description="what was seen")
    lawful_basis: Literal[
        "public_task_safeguarding", "legal_obligation_safeguarding", "vital_interests"
    ] = "public_task_safeguarding"


class Grade(Schema):
    level: Literal["none", "low", "medium", "high"]
    override_level: Literal["", "none", "low", "medium", "high"] = ""


class Referral(Schema):
    """The referral made from a concern and the MASH's answer (filled once referrals exist)."""

    status: str
    decision: str | None = None
    feedback: str | None = None


class ConcernStatus(Schema):
    """A concern the agency submitted, as the agency may see it: its own facts and grade only."""

    id: int
    record_id: str
    seen_on: dt.date
    recorded_at: dt.datetime
    indicators: list[str]
    grade: Grade
    catalogue_version: str
    referral: Referral | None = Field(
        None, description="the referral's status and feedback; null until a referral is made"
    )


class SubmittedConcern(ConcernStatus):
    new_record: bool
    pending_review: int = Field(description="possible matches sent to the MASH for review")


class ConcernPage(Schema):
    count: int
    results: list[ConcernStatus]


class CountRow(Schema):
    label: str
    count: str = Field(description='a count, or "<5" where it is suppressed')


class Aggregates(Schema):
    area: str
    since: dt.date
    as_of: dt.date
    children_by_grade: list[CountRow]
    concerns_by_agency: list[CountRow]


class ReferralRow(Schema):
    """A referral on the MASH's list, with what the MASH may see: the child's name from any
    agency's record, the reason given for referring and the MASH's own decision and reason."""

    id: int
    child_id: int
    child_name: str
    state: str
    source: str = Field(description="dsl, practitioner, or threshold (the combined grade)")
    referrer_agency: str | None = Field(None, description="the referring agency, if any")
    reason: str = Field(description="why the child was referred (free text, for the MASH)")
    received_at: dt.datetime
    rag: str = Field(description='the RAG rating, "" until rated')
    due: dt.datetime | None = Field(None, description="the clock running now: decision or response")
    breached: bool
    escalated: bool
    decision: str = Field(description='the MASH decision, "" until decided')
    decision_reason: str


class ReferralPage(Schema):
    count: int
    results: list[ReferralRow]


def _referral(row: Any) -> dict[str, object]:
    referral = row.referral
    return {
        "id": referral.pk,
        "child_id": referral.child_id,
        "child_name": row.child_name,
        "state": referral.state,
        "source": referral.source,
        "referrer_agency": referral.referrer_agency.name if referral.referrer_agency else None,
        "reason": referral.reason,
        "received_at": referral.received_at,
        "rag": referral.rag,
        "due": row.due,
        "breached": row.breached,
        "escalated": row.escalated,
        "decision": referral.decision,
        "decision_reason": referral.decision_reason,
    }


def _status(concern: Any) -> dict[str, object]:
    return {
        "id": concern.pk,
        "record_id": concern.record.record_id,
        "seen_on": concern.seen_on,
        "recorded_at": concern.recorded_at,
        "indicators": list(concern.indicators),
        "grade": {"level": concern.grade_level, "override_level": concern.override_level},
        "catalogue_version": concern.catalogue_version,
        "referral": selectors.referral_status_of(concern),
    }


# --- Operations -----------------------------------------------------------------------------


@v1.post(
    "/concerns",
    response={201: SubmittedConcern, **REFUSALS},
    summary="Submit a concern",
    operation_id="concern_submit",
)
def concern_submit(request: HttpRequest, payload: ConcernIn) -> Any:
    """Record a concern as a practitioner of the agency would on the intake page: the child is
    matched within the agency's area, linked or sent for review, and graded. Scope
    ``concerns:submit``."""
    from jigsaw.web.concerns.services import Identity, concern_record

    account = _admit(request, "concerns:submit")
    errors: dict[str, str] = {}

    def read(field: str, reader: Any, value: Any) -> Any:
        try:
            return reader(value)
        except ValueError as error:
            errors[field] = str(error)
            return None

    seen_on = read("seen_on", fields.date, payload.seen_on)
    indicators = read("indicators", fields.indicators, payload.indicators)
    note = read("note", lambda v: fields.text(v, max_length=10000, required=False), payload.note)
    identity = None
    if payload.child is not None and payload.record_id:
        errors["record_id"] = "give child or record_id, not both"
    elif payload.child is None and not payload.record_id:
        errors["child"] = "give the child, or the record_id of one of your agency's records"
    elif payload.child is not None:
        child = payload.child
        values = {
            "first_name": read(
                "child.first_name", lambda v: fields.text(v, max_length=80), child.first_name
            ),
            "last_name": read(
                "child.last_name", lambda v: fields.text(v, max_length=80), child.last_name
            ),
            "dob": read("child.dob", fields.date, child.dob),
            "sex": read("child.sex", fields.sex, child.sex),
            "postcode": read("child.postcode", fields.postcode, child.postcode),
            "nhs_number": read("child.nhs_number", fields.nhs_number, child.nhs_number),
        }
        if not errors:
            identity = Identity(**values)
    record_id = read(
        "record_id", lambda v: fields.text(v, max_length=64, required=False), payload.record_id
    )
    if errors:
        raise _unprocessable(errors)
    try:
        outcome = concern_record(
            actor=account,
            seen_on=seen_on,
            indicators=indicators,
            note=note or "",
            lawful_basis=payload.lawful_basis,
            identity=identity,
            record_id=record_id or "",
        )
    except ValidationError as error:
        raise _unprocessable(
            {field: " ".join(messages) for field, messages in error.message_dict.items()}
        ) from None
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return Status(
        201,
        {
            **_status(outcome.concern),
            "new_record": outcome.new_record,
            "pending_review": outcome.pending_review,
        },
    )


@v1.get(
    "/concerns",
    response={200: ConcernPage, **REFUSALS},
    summary="Your agency's concerns",
    operation_id="concern_list",
)
def concern_list(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=500),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
) -> Any:
    """The concerns your agency submitted, newest first, with each one's grade and the
    referral's status. Scope ``concerns:read``."""
    account = _admit(request, "concerns:read")
    try:
        count, page = selectors.agency_concerns(actor=account, limit=limit, offset=offset)
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return Status(200, {"count": count, "results": [_status(concern) for concern in page]})


@v1.get(
    "/concerns/{concern_id}",
    response={200: ConcernStatus, 404: Problem, **REFUSALS},
    summary="One of your agency's concerns",
    operation_id="concern_status",
)
def concern_status(request: HttpRequest, concern_id: int) -> Any:
    """One concern your agency submitted. Another agency's concern answers 404, as a missing one
    does. Scope ``concerns:read``."""
    account = _admit(request, "concerns:read")
    concern = selectors.agency_concern(actor=account, concern_id=concern_id)
    if concern is None:
        raise HttpError(404, "no such concern")
    return Status(200, _status(concern))


@v1.get(
    "/referrals",
    response={200: ReferralPage, **REFUSALS},
    summary="The MASH's referrals of its area",
    operation_id="referral_list",
)
def referral_list(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=500),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
    include_closed: bool = Query(False, description="closed referrals too"),  # type: ignore[type-arg]
) -> Any:
    """The referrals of the token's area, newest first: the open ones (``include_closed`` for
    all), each with its clock and the MASH's decision; never another area's. For the MASH's own
    tools. Scope ``referrals:read``."""
    from jigsaw.web.api.selectors import area_referrals

    account = _admit(request, "referrals:read")
    try:
        count, rows = area_referrals(
            actor=account, limit=limit, offset=offset, include_closed=include_closed
        )
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return Status(200, {"count": count, "results": [_referral(row) for row in rows]})


@v1.get(
    "/aggregates",
    response={200: Aggregates, **REFUSALS},
    summary="The partnership's aggregates",
    operation_id="aggregates",
)
def aggregates(request: HttpRequest) -> Any:
    """The area's counts from the daily snapshot, 0 to 4 shown as "<5", exactly as the
    partnership lead's page shows them. Scope ``aggregates:read``."""
    from jigsaw.web.oversight.selectors import area_aggregates_for

    account = _admit(request, "aggregates:read")
    try:
        figures = area_aggregates_for(user=account, today=timezone.localdate())
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return Status(
        200,
        {
            "area": figures.area,
            "since": figures.since,
            "as_of": figures.as_of,
            "children_by_grade": [{"label": k, "count": v} for k, v in figures.children_by_grade],
            "concerns_by_agency": [{"label": k, "count": v} for k, v in figures.concerns_by_agency],
        },
    )


api.add_router("/v1", v1)
