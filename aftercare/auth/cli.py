"""`aftercare users create`: accounts for the web app. The password is prompted, never an
option, so it stays out of shell history and process lists."""

from __future__ import annotations

import click

from aftercare.settings import Settings


@click.group("users", help="People who sign in to the web app.")
def users() -> None:
    pass


@users.command("create", help="Create a user; prompts for the password twice.")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["staff", "clinician", "admin"]), required=True)
@click.option("--name", default="", help="shown in the app and the audit log")
def create(email: str, role: str, name: str) -> None:
    from aftercare.auth.users import UserError, create_user
    from aftercare.db.session import make_engine, make_session_factory, transaction

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = create_user(session, email=email, role=role, password=password, name=name)
            click.echo(f"created {user.role} {user.email}")
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


@users.command("unlock", help="Let EMAIL sign in at once after wrong passwords slowed it.")
@click.argument("email")
def unlock(email: str) -> None:
    from aftercare.auth.users import unlock as unlock_account
    from aftercare.db.session import make_engine, make_session_factory, transaction

    engine = make_engine(Settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            unlock_account(session, email=email)
    finally:
        engine.dispose()
    # The same words whether or not the account exists: throttles are kept for both.
    click.echo(f"{email.strip().lower()} can sign in again at once")
