"""The REST API under /api/v1/ (django-ninja): OpenAPI schema at /api/v1/openapi.json and
interactive documentation at /api/v1/docs (served from ninja's bundled static files, so the
page keeps to the content security policy). Each operation declares who may use it
(``cdphub.api.access``)."""

from ninja import NinjaAPI

from .access import AUTHENTICATION
from .partnerships import router as partnerships

api = NinjaAPI(
    title="cdphub API",
    version="1.0.0",
    description="Combating Drugs Partnerships: the register, and (later) outcomes data.",
    urls_namespace="api",
    docs_url="/docs",
    auth=AUTHENTICATION,
)
api.add_router("", partnerships)
