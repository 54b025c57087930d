"""Who may call each API operation: the API's counterpart of ``cdphub.core.access``.

Authentication is a list of django-ninja authenticators tried in turn, each returning the
``User`` it vouches for (or None):

* ``PersonalAccessToken``: ``Authorization: Bearer <token>`` with a token made on the account
  page (``cdphub.accounts.tokens``). A token that is unknown, revoked or expired is refused
  with 401 and a ``detail`` saying which, even on operations open to everyone, so a program
  never silently falls back to public data;
* ``SessionAuth``: the signed-in Django session (the browser, and the interactive
  documentation); unsafe methods need the CSRF token, as forms do.

``@access("app.permission")`` declares an operation's ``rules`` permission:

* not allowed and not signed in → 401 ``{"detail": ...}``;
* signed in but not allowed → 403 ``{"detail": ...}``;
* ``load=`` a function of the path parameters returning the object (or raising Http404, which
  the API answers with 404): the object is checked and handed to the operation as its second
  argument.

Operations that answer callers who are not signed in (published national data) take
``auth=OPEN`` on the router decorator, which adds ``anonymous`` after the authenticators, and
declare ``@access(..., public=True)``; the schema then marks their security as optional. A
test walks every operation registered on the API and fails on any without a declaration, or
whose ``auth`` and ``public`` disagree.

Put ``@access`` directly under the router's decorator (and under ``@paginate``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from cdphub.accounts.tokens import TokenError, authenticate_token

SIGN_IN_MESSAGE = ("Sign in, or send a personal access token (Authorization: Bearer <token>; "
                   "make one on your account page), to use this operation.")


class PersonalAccessToken(HttpBearer):
    """``Authorization: Bearer cdphub_…``: a personal access token."""

    def authenticate(self, request, token: str):
        try:
            return authenticate_token(token)
        except TokenError as error:
            raise AuthenticationError(message=str(error)) from error


def anonymous(request):
    """The last authenticator of an operation open to everyone: nobody in particular."""
    return AnonymousUser()


AUTHENTICATION = [PersonalAccessToken(), SessionAuth(csrf=True)]
# For operations that also answer callers who are not signed in.
OPEN = [*AUTHENTICATION, anonymous]


def caller(request):
    """The user an authenticator vouched for, else the request's (possibly anonymous) user."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def access(permission: str, *, load: Callable | None = None, public: bool = False):
    def decorator(operation):
        @wraps(operation)
        def wrapped(request, *args, **kwargs):
            user = caller(request)
            if not public and not user.is_authenticated:
                raise AuthenticationError(message=SIGN_IN_MESSAGE)
            obj = load(**kwargs) if load is not None else None
            allowed = user.has_perm(permission, obj) if obj is not None else user.has_perm(permission)
            if not allowed:
                if not user.is_authenticated:
                    raise AuthenticationError(message=SIGN_IN_MESSAGE)
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
        wrapped.cdphub_public = public
        return wrapped

    return decorator


def refuse(user, what: str):
    """Raise the error for a caller who may not read ``what`` (e.g. "values for the
    partnership 'x'"): 401 if nobody is signed in, else 403."""
    if not user.is_authenticated:
        raise AuthenticationError(message=f"Only those with access may read {what}, and you "
                                          f"are not signed in. {SIGN_IN_MESSAGE}")
    raise AuthorizationError(message=f"You do not have permission to read {what}.")
