"""`aftercare patients export|erase`: the same services as the API and the web app. The
command line is the operator's, as an admin's: erasing asks for the patient's id typed
again, or `--yes`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from aftercare import audit
from aftercare.db.session import transaction
from aftercare.errors import InvalidRequest, NotFound
from aftercare.patients.erasure import erase_patient
from aftercare.patients.export import export_patient

if TYPE_CHECKING:
    from aftercare.container import CommandContext


@click.group("patients", help="Export or erase everything held about a patient.")
def patients() -> None:
    pass


@patients.command("export", help="Print everything held about a patient as JSON.")
@click.argument("patient_id", type=int)
@click.option("--by", default=None, help="who asks, for the audit log (default: you)")
@click.pass_obj
def export(obj: CommandContext, patient_id: int, by: str | None) -> None:
    c = obj.container
    try:
        with transaction(c.sessions) as session:
            data = export_patient(session, patient_id=patient_id)
            audit.record(session, actor=audit.operator(by), action="export_patient",
                         subject=f"patient:{patient_id}", now=c.clock())
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@patients.command("erase", help="Erase a patient's personal data and the words of their "
                  "messages and replies; the counts stay. Cannot be undone.")
@click.argument("patient_id", type=int)
@click.option("--reason", required=True, help="why, e.g. 'patient's request of 2026-12-04'")
@click.option("--by", default=None, help="who erases, for the audit log (default: you)")
@click.option("--yes", is_flag=True, help="do not ask to confirm")
@click.pass_obj
def erase(obj: CommandContext, patient_id: int, reason: str, by: str | None,
          yes: bool) -> None:
    if not yes:
        typed = click.prompt(f"This erases patient {patient_id} for good. Type the patient "
                             "id again to confirm", default="", show_default=False)
        if typed.strip() != str(patient_id):
            raise click.ClickException("not confirmed: nothing was erased")
    c = obj.container
    try:
        with transaction(c.sessions) as session:
            erased = erase_patient(session, patient_id=patient_id, reason=reason,
                                   actor=audit.operator(by), now=c.clock(),
                                   store=c.media_store)
    except (NotFound, InvalidRequest) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"patient {patient_id} erased: {erased.procedures} procedure(s), "
               f"{erased.messages} message(s) and {erased.replies} reply(ies) kept as counts")


