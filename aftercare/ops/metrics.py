"""GET /metrics: this process's metrics and the outbox's, in Prometheus text format.

It holds counts, never PHI, but it is served on the API's published port: with
AFTERCARE_METRICS_TOKEN set it needs that bearer token; unset, it is open outside
production (a laptop, the tests) and not there at all (404) in production.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from aftercare.http.deps import ContainerDep
from aftercare.observability.metrics import OutboxCollector
from aftercare.settings import Settings

router = APIRouter(tags=["operations"])


def _outbox_registry(request: Request, container: ContainerDep) -> CollectorRegistry:
    # One per app (tests build many apps); the process-wide REGISTRY holds the counters.
    registry = getattr(request.app.state, "outbox_metrics", None)
    if registry is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(OutboxCollector(container.sessions, container.clock))
        request.app.state.outbox_metrics = registry
    return registry  # type: ignore[no-any-return]


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request, container: ContainerDep) -> Response:
    refused = scrape_refusal(container.settings, request.headers.get("authorization", ""))
    if refused is not None:
        raise HTTPException(refused, headers={"WWW-Authenticate": "Bearer"}
                            if refused == 401 else None)
    body = generate_latest(REGISTRY) + generate_latest(_outbox_registry(request, container))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def scrape_refusal(settings: Settings, authorization: str) -> int | None:
    """The status refusing a scrape (401, 404), or None to serve it."""
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not expected:
        return 404 if settings.environment == "production" else None
    scheme, _, sent = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(sent.encode(),
                                                                 expected.encode()):
        return 401
    return None
