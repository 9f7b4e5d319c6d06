"""`aftercare locations list|add|set`: the same checks as the admin page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from aftercare.db.session import transaction
from aftercare.errors import InvalidRequest, NotFound
from aftercare.locations.store import add_location, all_locations, change_location

if TYPE_CHECKING:
    from aftercare.container import CommandContext

OPTIONS = (
    ("name", "the name patients know it by (goes into every text)"),
    ("address", "one line"),
    ("phone", "the phone patients should call"),
    ("timezone", "IANA time zone, e.g. America/Chicago"),
    ("sms-sender", "its Twilio number or Messaging Service SID (empty: the settings' sender)"),
    ("emergency-number", "e.g. 911"),
    ("quiet-hours-start", "HH:MM; with --quiet-hours-end, instead of the clinic-wide hours"),
    ("quiet-hours-end", "HH:MM"),
    ("oncall-phone", "alerted in hours its rota leaves open"),
    ("oncall-email", "alerted in hours its rota leaves open"),
)


def _with_options(command: Any) -> Any:
    for name, text in reversed(OPTIONS):
        command = click.option(f"--{name}", default=None, help=text)(command)
    return command


@click.group("locations", help="The clinic group's locations.")
def locations() -> None:
    pass


@locations.command("list", help="Every location, the default one first.")
@click.pass_obj
def list_locations(obj: CommandContext) -> None:
    with obj.container.sessions() as session:
        for i, row in enumerate(all_locations(session, archived=True)):
            sender = row.sms_sender or "(settings' sender)"
            flags = (" [default]" if i == 0 else "") + (" [archived]" if row.archived_at else "")
            click.echo(f"{row.key}\t{row.name}\t{row.phone}\t{row.timezone}\t{sender}{flags}")


@locations.command("add", help="Add a location.")
@click.argument("key")
@_with_options
@click.pass_obj
def add(obj: CommandContext, key: str, **values: str | None) -> None:
    c = obj.container
    fields = {k: v for k, v in values.items() if v is not None} | {"key": key}
    try:
        with transaction(c.sessions) as session:
            row = add_location(session, fields, phone_region=c.settings.default_phone_region)
            click.echo(f"added location {row.key} ({row.name})")
    except InvalidRequest as exc:
        raise click.ClickException(f"{'.'.join(map(str, exc.field))}: {exc.message}") from None


@locations.command("set", help="Change a location's details (the ones given).")
@click.argument("key")
@_with_options
@click.pass_obj
def set_(obj: CommandContext, key: str, **values: str | None) -> None:
    c = obj.container
    fields = {k: v for k, v in values.items() if v is not None}
    try:
        with transaction(c.sessions) as session:
            row = change_location(session, key, fields, queue=c.queue,
                                  phone_region=c.settings.default_phone_region)
            click.echo(f"changed location {row.key}: {', '.join(sorted(fields)) or 'nothing'}")
    except (InvalidRequest, NotFound) as exc:
        field = ".".join(map(str, exc.field)) + ": " if isinstance(exc, InvalidRequest) else ""
        message = exc.message if isinstance(exc, InvalidRequest) else str(exc)
        raise click.ClickException(field + message) from None


@locations.command("assign", help="Set where a user works: staff and clinicians see only these "
                   "locations' patients.")
@click.argument("email")
@click.argument("keys", nargs=-1, required=True)
@click.pass_obj
def assign(obj: CommandContext, email: str, keys: tuple[str, ...]) -> None:
    from aftercare.auth.users import UserError, find_by_email, set_locations

    c = obj.container
    try:
        with transaction(c.sessions) as session:
            user = find_by_email(session, email)
            if user is None:
                raise UserError(f"no user {email}")
            set_locations(session, user_id=user.id, keys=list(keys))
            click.echo(f"{user.email} works at {', '.join(sorted(keys))}")
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
