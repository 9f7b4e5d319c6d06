"""`aftercare procedures log|show|cancel`: the same service functions the HTTP API calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from aftercare import audit
from aftercare.db.session import transaction
from aftercare.errors import NotFound
from aftercare.procedures import service
from aftercare.procedures.daylist_import import import_day_list
from aftercare.procedures.queries import describe, get_procedure
from aftercare.procedures.schemas import ProcedureIn
from aftercare.procedures.service import Refused

if TYPE_CHECKING:
    from aftercare.container import CommandContext


@click.group("procedures", help="Log, import, show and cancel procedures.")
def procedures() -> None:
    pass


@procedures.command("log", help="Log a procedure; its care plan is planned by the worker.")
@click.option("--first-name", required=True)
@click.option("--phone", required=True)
@click.option("--email", default=None)
@click.option("--tz", "timezone", required=True, help="the patient's IANA time zone")
@click.option("--language", type=click.Choice(["en", "es"]), default="en")
@click.option("--sms-consent/--no-sms-consent", required=True, default=None)
@click.option("--email-consent/--no-email-consent", required=True, default=None)
@click.option("--type", "procedure_type", required=True)
@click.option("--location", default=None, help="a location's key; default: the default one")
@click.option("--performed-at", required=True, help="ISO 8601 with offset")
@click.option("--side", type=click.Choice(["left", "right", "both"]), default=None)
@click.option("--clinician", default=None)
@click.option("--external-id", default=None)
@click.option("--patient-id", "patient_external_id", default=None, help="e.g. an MRN")
@click.option("--follow-up", "follow_up_at", default=None,
              help="the booked follow-up, ISO 8601 with offset; without it, texts ask the "
              "patient to call to book")
@click.option("--allow-duplicate", is_flag=True,
              help="log it although the patient has one of this type that day")
@click.pass_obj
def log(obj: CommandContext, first_name: str, phone: str, email: str | None, timezone: str,
        language: str, sms_consent: bool | None, email_consent: bool | None, procedure_type: str,
        location: str | None, performed_at: str, side: str | None, clinician: str | None,
        external_id: str | None, patient_external_id: str | None, follow_up_at: str | None,
        allow_duplicate: bool) -> None:
    if sms_consent is None or email_consent is None:
        raise click.UsageError("answer both --sms-consent/--no-sms-consent and "
                               "--email-consent/--no-email-consent")
    try:
        request = ProcedureIn.model_validate({
            "patient": {"first_name": first_name, "phone": phone, "email": email,
                        "timezone": timezone, "language": language, "sms_consent": sms_consent,
                        "email_consent": email_consent, "external_id": patient_external_id},
            "procedure_type": procedure_type, "location": location,
            "performed_at": performed_at, "side": side,
            "clinician": clinician, "external_id": external_id,
            "follow_up_at": follow_up_at, "allow_duplicate": allow_duplicate})
    except ValidationError as exc:
        for error in exc.errors():
            click.echo(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        sys.exit(2)
    c = obj.container
    with transaction(c.sessions) as session:
        [logged] = service.log_procedures(
            session, requests=[request], plans=c.plans, queue=c.queue, now=c.clock(),
            phone_region=c.settings.default_phone_region, by=audit.operator())
    if isinstance(logged, Refused):
        for problem in logged.problems:
            click.echo(f"{'.'.join(map(str, problem.field))}: {problem.message}", err=True)
        sys.exit(2)
    click.echo(json.dumps({"id": logged.procedure_id, "created": logged.created}))


@procedures.command("import", help="Log a day list (CSV): all of it, or none of it when a row "
                    "has a problem. Columns: see README, 'Day lists'.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and log nothing")
@click.pass_obj
def import_(obj: CommandContext, path: Path, dry_run: bool) -> None:
    c = obj.container
    with transaction(c.sessions) as session:
        imported = import_day_list(
            session, data=path.read_bytes(), plans=c.plans,
            phone_region=c.settings.default_phone_region,
            clinic_zone=c.settings.clinic_timezone, queue=c.queue, now=c.clock(),
            dry_run=dry_run, by=audit.operator())
    if not imported.ok:
        for problem in imported.problems:
            column = f", column {problem.column}" if problem.column else ""
            where = f"line {problem.line}{column}" if problem.line else path.name
            click.echo(f"{where}: {problem.message}", err=True)
        click.echo(f"nothing logged: {len(imported.problems)} problem(s) to fix", err=True)
        sys.exit(2)
    rows = imported.day_list.rows
    if dry_run:
        click.echo(f"{len(rows)} procedure(s) would be logged; nothing was logged (--dry-run)")
        return
    for row, logged in zip(rows, imported.logged, strict=True):
        what = "logged" if logged.created else "already logged"
        click.echo(f"line {row.line}: {what} as procedure {logged.procedure_id}")
    click.echo(f"{imported.created} procedure(s) logged, "
               f"{len(rows) - imported.created} already logged before")


@procedures.command("show", help="Print a procedure and its messages as JSON.")
@click.argument("procedure_id", type=int)
@click.pass_obj
def show(obj: CommandContext, procedure_id: int) -> None:
    c = obj.container
    try:
        with transaction(c.sessions) as session:
            out = describe(get_procedure(session, procedure_id))
            audit.record(session, actor=audit.operator(), action="view_procedure",
                         subject=f"procedure:{procedure_id}", now=c.clock(),
                         detail={"via": "command line"})
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(out.model_dump_json(indent=2))


@procedures.command("cancel", help="Cancel a procedure's unsent messages.")
@click.argument("procedure_id", type=int)
@click.option("--reason", default="cancelled by staff")
@click.pass_obj
def cancel(obj: CommandContext, procedure_id: int, reason: str) -> None:
    c = obj.container
    try:
        with transaction(c.sessions) as session:
            service.cancel(session, procedure_id=procedure_id, reason=reason,
                           actor=audit.operator(), now=c.clock())
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"procedure {procedure_id} cancelled")
