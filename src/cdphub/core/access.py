"""Every view declares who may use it.

``@access("app.permission")`` wraps a view with a ``rules`` permission check:

* allowed → the view runs;
* not allowed and not signed in → redirect to sign-in (then back);
* not allowed and signed in → 403 with an explanation.

For object permissions pass ``load=``: a function of the URL keyword arguments that returns
the object (or raises Http404); the object is checked and handed to the view as its second
argument. A test walks every URL pattern and fails on any view without a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

PUBLIC = "core.view_public"
SIGNED_IN = "core.view_signed_in"


def access(permission: str, *, load: Callable | None = None):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            obj = load(**kwargs) if load is not None else None
            allowed = (
                request.user.has_perm(permission, obj)
                if obj is not None
                else request.user.has_perm(permission)
            )
            if not allowed:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied(f"You do not have permission to use this page ({permission}).")
            if load is not None:
                return view(request, obj, *args, **kwargs)
            return view(request, *args, **kwargs)

        wrapped.cdphub_permission = permission
        return wrapped

    return decorator


def declared_permission(view) -> str | None:
    """The permission a resolved view callable declares (None when it declares none)."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "__wrapped__", None)):
        permission = getattr(candidate, "cdphub_permission", None)
        if permission:
            return permission
    return None
