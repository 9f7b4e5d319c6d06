"""The adherence and outcomes report: a care plan (or all), at a location (or all the user
works at), over a period, as charts, tables and a CSV download. Aggregate figures only;
`aftercare report` prints the same."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from aftercare.careplans.schema import STOCKINGS
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.locations.store import all_locations
from aftercare.reports.period import period
from aftercare.reports.queries import report as build_report
from aftercare.reports.tables import STOCKING_LABELS, as_csv, shown, summary
from aftercare.web.login import StaffUser
from aftercare.web.render import page
from aftercare.web.security import verify_csrf
from aftercare.web.views.report_charts import stockings_chart, symptoms_chart

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
CHARTED_SYMPTOMS = 5


@router.get("/reports")
def report_page(request: Request, session: SessionDep, container: ContainerDep,
                user: StaffUser, plan: str = "", since: str = "", until: str = "",
                location: str = "", format: str = "") -> Response:
    zone = container.settings.clinic_timezone
    today = container.clock().astimezone(ZoneInfo(zone)).date()
    # Only the locations the user works at: all of them together, or one.
    scope = scope_of(session, user)
    where = [(row.key, row.name, row.id) for row in all_locations(session)
             if scope.sees(row.id)]
    since = since or today.replace(day=1).isoformat()
    context: dict[str, object] = {
        "plans": sorted(container.plans.items()), "plan": plan, "since": since,
        "until": until or today.isoformat(), "stockings": STOCKINGS,
        "stocking_labels": STOCKING_LABELS, "shown": shown,
        "locations": where, "location": location}
    if plan and plan not in container.plans:
        return page(request, "report.html", {**context, "error": "Choose a care plan."},
                    status_code=422)
    ids = [id_ for key, _, id_ in where if not location or key == location]
    if location and not ids:
        return page(request, "report.html", {**context, "error": "Choose a location."},
                    status_code=422)
    try:
        chosen = period(since=since, until=until or None, clinic_zone=zone, today=today)
    except ValueError as exc:
        return page(request, "report.html", {**context, "error": f"{exc}."},
                    status_code=422)
    figures = build_report(session, plan=plan or None, since=chosen.since, until=chosen.until,
                           locations=None if scope.everywhere and not location else ids)
    if format == "csv":
        name = (f"aftercare-report-{plan or 'all'}{'-' + location if location else ''}-"
                f"{chosen.first_day}-{chosen.last_day}.csv")
        return Response(as_csv(figures), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    charted = figures.symptoms[:CHARTED_SYMPTOMS]
    return page(request, "report.html", {
        **context, "report": figures, "summary": summary(figures), "period": chosen,
        "stocking_chart": stockings_chart(figures), "charted": charted,
        "symptom_chart": symptoms_chart(figures, symptoms=charted)})
