"""View guard: a page names the roles that may use it; everyone else gets 403 (deny by default)."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied

from jigsaw.web.accounts.models import Role
from jigsaw.web.accounts.selectors import role_of


def role_required(*roles: Role):
    """Allow the view only to verified users holding one of ``roles``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.is_verified():
                raise PermissionDenied("sign in first")
            if role_of(request.user) not in roles:
                raise PermissionDenied("your role may not use this page")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
