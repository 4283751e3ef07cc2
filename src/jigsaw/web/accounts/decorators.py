"""View guard: a page names the roles that may use it; everyone else gets 403 (deny by default),
and every refusal is audited."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied
from django.db import transaction

from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import role_of


def page_refusal_record(request, reason: str) -> None:
    """Audit a refused request: who (if signed in), which page and method, with what role."""
    from jigsaw.web.audit.models import EventType
    from jigsaw.web.audit.services import audit_record

    user = request.user if request.user.is_authenticated else None
    role = role_of(user) if user is not None else None
    request.jigsaw_refusal_audited = True  # the middleware then writes no second row
    with transaction.atomic():
        audit_record(
            actor=user,
            event_type=EventType.PAGE_REFUSED,
            extra={
                "page": request.resolver_match.view_name if request.resolver_match else "",
                "path": request.path[:200],
                "method": request.method,
                "role": role.value if role is not None else "",
                "reason": reason,
            },
        )


def role_required(*roles: Role):
    """Allow the view only to verified users holding one of ``roles``; audit every refusal."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.is_verified():
                page_refusal_record(request, "not signed in with both factors")
                raise PermissionDenied("sign in first")
            if role_of(request.user) not in roles:
                page_refusal_record(request, "role may not use this page")
                raise PermissionDenied("your role may not use this page")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
