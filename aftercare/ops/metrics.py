"""GET /metrics: this process's metrics and the outbox's, in Prometheus text format.

Not authenticated, like most exporters: expose it on the internal network only (the
compose file does not publish it through a proxy). It holds counts, never PHI.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from aftercare.http.deps import ContainerDep
from aftercare.observability.metrics import OutboxCollector

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
    body = generate_latest(REGISTRY) + generate_latest(_outbox_registry(request, container))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
