"""The REST API under /api/v1/ (django-ninja): OpenAPI schema at /api/v1/openapi.json and
interactive documentation at /api/v1/docs. Each router declares who may use each endpoint."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="cdphub API",
    version="1.0.0",
    description="Combating Drugs Partnerships: the register, and (later) outcomes data.",
    urls_namespace="api",
    docs_url="/docs",
)
