"""Who may call each API operation: the API's counterpart of ``cdphub.core.access``.

Authentication is a list of django-ninja authenticators tried in turn, each returning the
signed-in ``User`` (or None). For now that is the Django session; personal access tokens
will be another entry in ``AUTHENTICATION``.

``@access("app.permission")`` declares an operation's ``rules`` permission:

* not signed in → 401 ``{"detail": ...}``;
* signed in but not allowed → 403 ``{"detail": ...}``;
* ``load=`` a function of the path parameters returning the object (or raising Http404, which
  the API answers with 404): the object is checked and handed to the operation as its second
  argument.

Put it directly under the router's decorator (and under ``@paginate``). A test walks every
operation registered on the API and fails on any without a declaration.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps

from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import SessionAuth

# The signed-in Django session (the browser, and the interactive documentation); unsafe
# methods need the CSRF token, as forms do.
AUTHENTICATION = [SessionAuth(csrf=True)]


def caller(request):
    """The user an authenticator vouched for, else the request's (possibly anonymous) user."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def access(permission: str, *, load: Callable | None = None):
    def decorator(operation):
        @wraps(operation)
        def wrapped(request, *args, **kwargs):
            user = caller(request)
            if not user.is_authenticated:
                raise AuthenticationError(message="Sign in to use this operation.")
            obj = load(**kwargs) if load is not None else None
            allowed = user.has_perm(permission, obj) if obj is not None else user.has_perm(permission)
            if not allowed:
                raise AuthorizationError(
                    message=f"You do not have permission to use this operation ({permission}).")
            if load is not None:
                return operation(request, obj, *args, **kwargs)
            return operation(request, *args, **kwargs)

        # django-ninja reads the operation's parameters from its signature: show it the
        # operation's own, without the loaded object, with annotations resolved in the
        # operation's module.
        signature = inspect.signature(operation, eval_str=True)
        parameters = list(signature.parameters.values())
        if load is not None:
            del parameters[1]
        wrapped.__signature__ = signature.replace(parameters=parameters)
        wrapped.cdphub_permission = permission
        return wrapped

    return decorator
