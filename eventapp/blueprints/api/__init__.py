"""The JSON API under /api/v1, its OpenAPI document (/api/v1/openapi.json, built by
flask-smorest from the schemas) and its browsable documentation (/api/docs, Swagger UI
served from static/vendor/, so it passes the Content-Security-Policy)."""
from flask import Blueprint, jsonify, render_template, request

from ...extensions import api as openapi_document, csrf, limiter
from ...web.access import access
from ...web.api import add_api_headers, spend_api_call
from . import lead, organiser, public, schemas  # noqa: F401  (operations join the blueprint)
from .common import bp

docs = Blueprint("api_docs", __name__)
bp.before_request(spend_api_call)
bp.after_request(add_api_headers)

API_DESCRIPTION = """Registrations for Digitala Västerbotten's kickoff days.

Public operations need no token. The others take a personal access token, made on the
account page, in the `Authorization: Bearer …` header (never in the URL). Errors are
`application/problem+json` (RFC 9457) in the language of `Accept-Language` (sv, en)."""


@limiter.request_filter
def _outside_the_per_address_limits():
    """The API has its own limit per token (web/api.py), so Flask-Limiter need not work out,
    on every API request, which of its per-address limits apply: none do."""
    return request.blueprint == bp.name


def register_api(app, api):
    # The document is served by the docs blueprint below, not flask-smorest's own.
    app.config["OPENAPI_URL_PREFIX"] = None
    api.init_app(app, spec_kwargs={"info": {"description": API_DESCRIPTION}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.schema("Problem", schema=schemas.ProblemSchema)
    # A token, never a cookie, signs an API request in: no other site can ride on a
    # browser's session, so there is no form to protect.
    csrf.exempt(bp)
    # Its own limit per token (web/api.py) applies here; the per-address limits are for forms.
    limiter.exempt(bp)
    api.register_blueprint(bp)
    app.register_blueprint(docs)


@docs.get("/api/v1/openapi.json")
@access("public")
def openapi():
    return jsonify(openapi_document.spec.to_dict())


@docs.get("/api/docs")
@access("public")
def docs_page():
    return render_template("api/docs.html")
