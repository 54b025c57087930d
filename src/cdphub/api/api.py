"""The REST API under /api/v1/ (django-ninja): OpenAPI schema at /api/v1/openapi.json and
interactive documentation at /api/v1/docs (served from ninja's bundled static files, so the
page keeps to the content security policy). Each operation declares who may use it
(``cdphub.api.access``)."""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.openapi.schema import OpenAPISchema

from .access import AUTHENTICATION, SIGN_IN_MESSAGE, anonymous
from .areas import router as areas
from .outcomes import router as outcomes
from .partnerships import router as partnerships

DESCRIPTION = """\
Combating Drugs Partnerships: the register of partnerships, areas, and the National Combating
Drugs Outcomes Framework's metrics and computed values.

**Published data** (headline and supporting metrics, areas, and metric values for areas) needs
no authentication. Everything else needs a personal access token, sent as
`Authorization: Bearer <token>`: make one on your account page in cdphub. A token reads what
your roles let you read. Suppressed values (small numbers) come with `suppressed: true` and
their figures null.

Lists are paginated: `page` (from 1) and `page_size`; each answer has `items` and `count`.
"""


class Schema(OpenAPISchema):
    def operation_security(self, operation):
        """Operations open to everyone also accept no credentials at all (``{}``)."""
        security = super().operation_security(operation)
        if security is not None and anonymous in operation.auth_callbacks:
            security.append({})
        return security


class API(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Schema(self, path_prefix)


api = API(
    title="cdphub API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    auth=AUTHENTICATION,
)
api.add_router("", partnerships)
api.add_router("", areas)
api.add_router("", outcomes)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc: AuthenticationError):
    """401 says how to authenticate (django-ninja's own says only 'Unauthorized')."""
    message = exc.message if exc.message and exc.message != "Unauthorized" else SIGN_IN_MESSAGE
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="cdphub"'
    return response
