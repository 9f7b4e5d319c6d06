"""`aftercare report --plan P --since DATE [--until DATE] [--json]`: the report page's
figures, from the same query and computation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from aftercare.errors import NotFound
from aftercare.locations.store import by_key
from aftercare.reports.period import period
from aftercare.reports.queries import report as build_report
from aftercare.reports.tables import as_dict, shown, summary

if TYPE_CHECKING:
    from aftercare.container import CommandContext


@click.command("report", help="Adherence and outcomes for procedures performed in a period.")
@click.option("--plan", default=None, help="a care plan key; all plans when left out")
@click.option("--location", default=None, help="a location's key; every location when left out")
@click.option("--since", required=True, help="first day, YYYY-MM-DD (the clinic's calendar)")
@click.option("--until", default=None, help="last day, included; default today")
@click.option("--json", "as_json", is_flag=True, help="print the figures as JSON")
@click.pass_obj
def report(obj: CommandContext, plan: str | None, location: str | None, since: str,
           until: str | None, as_json: bool) -> None:
    c = obj.container
    if plan and plan not in c.plans:
        raise click.BadParameter(f"unknown care plan {plan!r}; known: "
                                 f"{', '.join(sorted(c.plans))}", param_hint="--plan")
    zone = c.settings.clinic_timezone
    try:
        chosen = period(since=since, until=until, clinic_zone=zone,
                        today=c.clock().astimezone(ZoneInfo(zone)).date())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None
    with c.sessions() as session:
        try:
            where = [by_key(session, location).id] if location else None
        except NotFound:
            raise click.BadParameter(f"unknown location {location!r}",
                                     param_hint="--location") from None
        figures = build_report(session, plan=plan, since=chosen.since, until=chosen.until,
                               locations=where)
    if as_json:
        click.echo(json.dumps(as_dict(figures, plan=plan, since=str(chosen.first_day),
                                      until=str(chosen.last_day)), indent=2))
        return
    click.echo(f"{plan or 'all plans'}{' at ' + location if location else ''}: procedures "
               f"performed {chosen.first_day} to "
               f"{chosen.last_day}")
    for key, label, value in summary(figures):
        click.echo(f"  {label}: {shown(key, value)}")
