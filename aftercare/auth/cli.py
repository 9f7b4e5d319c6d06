"""`aftercare users create`: accounts for the web app. The password is prompted, never an
option, so it stays out of shell history and process lists."""

from __future__ import annotations

from datetime import UTC, datetime

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


@users.command("reset-password", help="Print a one-time link for EMAIL to set a new password "
               "(works once, for a day).")
@click.argument("email")
def reset_password(email: str) -> None:
    from aftercare import audit
    from aftercare.auth.reset import reset_link
    from aftercare.auth.users import find_by_email
    from aftercare.db.session import make_engine, make_session_factory, transaction

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = find_by_email(session, email)
            if user is None or user.disabled_at is not None:
                raise click.ClickException(f"no active user {email}")
            link = reset_link(user, secret_key=settings.secret_key.get_secret_value(),
                              base_url=settings.public_base_url)
            audit.record(session, actor=audit.operator(), action="password_reset_link",
                         subject=f"user:{user.id}", now=datetime.now(UTC))
    finally:
        engine.dispose()
    click.echo(link)
