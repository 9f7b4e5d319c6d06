"""The `aftercare` command: run the service, manage the database, plans, tokens, procedures."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import click

from aftercare.auth.cli import users
from aftercare.planning.cli import schedules
from aftercare.procedures.cli import procedures
from aftercare.settings import Settings


@click.group(help="Aftercare reminders for vein clinics.")
@click.pass_context
def main(ctx: click.Context) -> None:
    from aftercare.bootstrap import for_command
    from aftercare.container import CommandContext

    ctx.obj = CommandContext(build=for_command)


main.add_command(schedules)
main.add_command(procedures)
main.add_command(users)
from aftercare.replies.cli import replies  # noqa: E402
from aftercare.replies.reread_cli import reread  # noqa: E402

replies.add_command(reread)
main.add_command(replies)
from aftercare.locations.cli import locations  # noqa: E402
from aftercare.ops.doctor import doctor  # noqa: E402
from aftercare.patients.cli import patients  # noqa: E402
from aftercare.reports.cli import report  # noqa: E402

main.add_command(locations)
main.add_command(doctor)
main.add_command(patients)
main.add_command(report)


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply migrations up to the newest.")
def db_upgrade() -> None:
    from aftercare.db.migrate import upgrade

    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database is at the newest migration")


@main.group(help="API tokens for staff systems.")
def tokens() -> None:
    pass


@tokens.command("create", help="Create a token and print it once; only its hash is kept.")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["staff", "clinician", "admin"]), required=True)
@click.option("--owner", default=None, metavar="EMAIL",
              help="the user who answers for it; disabling them ends it")
@click.option("--location", default=None, metavar="KEY",
              help="the one location it serves (a location's own system); default: "
              "wherever its owner works, everywhere without an owner")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650),
              help="how long it works")
def tokens_create(name: str, role: str, owner: str | None, location: str | None,
                  days: int) -> None:
    from datetime import timedelta

    from aftercare.auth.tokens import create_token
    from aftercare.auth.users import find_by_email
    from aftercare.db.session import make_engine, make_session_factory, transaction
    from aftercare.procedures.store import location_ids, location_keys

    settings = Settings()
    with transaction(make_session_factory(make_engine(settings.database_url))) as session:
        owner_id = None
        if owner is not None:
            found = find_by_email(session, owner)
            if found is None or found.disabled_at is not None:
                raise click.ClickException(f"no active user {owner}")
            owner_id = found.id
        location_id = None
        if location is not None:
            places = location_ids(session, [location])
            if location not in places:
                raise click.ClickException(f"no location {location!r}; known: "
                                           + ", ".join(location_keys(session)))
            location_id = places[location]
        token = create_token(session, name=name, role=role,  # type: ignore[arg-type]
                             owner_id=owner_id, location_id=location_id,
                             lifetime=timedelta(days=days))
    click.echo(token)


@main.command(help="Print the last messages the console channel recorded.")
@click.option("--limit", default=20, show_default=True)
def outbox(limit: int) -> None:
    import json

    from aftercare.channels.console import read_outbox

    for entry in read_outbox(Settings().outbox_path, limit=limit):
        click.echo(json.dumps(entry, ensure_ascii=False))


@main.command(help="Serve the HTTP API.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True,
              help="uvicorn worker processes (production: about one per core)")
def api(host: str, port: int, workers: int) -> None:
    import uvicorn

    from aftercare.observability.logs import setup_logging

    setup_logging(Settings())
    # log_config=None: uvicorn's loggers propagate to ours (JSON, PHI filter) unchanged.
    uvicorn.run("aftercare.bootstrap:api_from_environment", factory=True, host=host, port=port,
                proxy_headers=True, log_config=None, workers=workers)


@main.command(help="Run a Celery worker (add --beat to also run the schedule in it).")
@click.option("--beat", is_flag=True, help="embed beat (one process; for development)")
# Threads: up to two dispatch runs and one reading run at a time (worker.py), plus one for
# planning and the sweeps, so no task waits behind another kind.
@click.option("--concurrency", "-c", default=4, show_default=True)
@click.option("--pool", default="threads", show_default=True,
              type=click.Choice(["threads", "prefork", "solo"]))
@click.option("--loglevel", default="INFO", show_default=True)
def worker(beat: bool, concurrency: int, pool: str, loglevel: str) -> None:
    from aftercare.bootstrap import celery_app

    settings = Settings()
    app = celery_app(settings)
    # Logging: the setup_logging signal handler (bootstrap.py) sets it up.
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}",
            f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if beat:
        argv += ["--beat", f"--schedule={settings.var_dir / 'beat-schedule'}"]
    app.worker_main(argv)


@main.command(help="Run Celery beat: it only enqueues the periodic dispatch and sweeps.")
@click.option("--loglevel", default="INFO", show_default=True)
def beat(loglevel: str) -> None:
    from aftercare.bootstrap import celery_app

    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app = celery_app(settings)
    app.start(["beat", f"--loglevel={loglevel}",
               f"--schedule={settings.var_dir / 'beat-schedule'}"])


@main.command(help="Run everything on this machine: migrations, API, worker and beat.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--demo", is_flag=True,
              help="load a few made-up patients with replies of every triage level")
def dev(host: str, port: int, demo: bool) -> None:
    from aftercare.db.migrate import upgrade

    # On a terminal: readable lines, and no line per periodic task, unless asked otherwise.
    os.environ.setdefault("AFTERCARE_LOG_FORMAT", "text")
    os.environ.setdefault("AFTERCARE_LOG_ROUTINE_TASKS", "false")
    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    say = functools.partial(click.echo, err=True)
    url = f"http://{host}:{port}"
    say(f"aftercare on {url}  (API docs: {url}/docs; Ctrl-C stops)")
    say(f"data in {settings.var_dir}/: {settings.database_url}")
    if settings.sms_channel == "console" or settings.email_channel == "console":
        say("texts and emails are not sent: they are written to "
            f"{settings.outbox_path} (see them with `aftercare outbox`)")
    if demo:
        _load_demo(settings, say)
    elif not _anyone_can_sign_in(settings):
        say("nobody can sign in yet; create the first admin with:\n"
            "  aftercare users create --email you@clinic.example --role admin\n"
            "(or start with --demo for made-up patients and a demo admin)")
    exe = [sys.executable, "-m", "aftercare"]
    children = [
        subprocess.Popen([*exe, "worker", "--beat", "--concurrency=4", "--pool=threads"]),
        subprocess.Popen([*exe, "api", "--host", host, "--port", str(port)]),
    ]
    _supervise(children)


def _anyone_can_sign_in(settings: Settings) -> bool:
    from sqlalchemy import func, select

    from aftercare.db.models import User
    from aftercare.db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            return bool(session.scalar(select(func.count()).select_from(User).where(
                User.disabled_at.is_(None))))
    finally:
        engine.dispose()


def _load_demo(settings: Settings, say: Callable[[str], None]) -> None:
    from aftercare.bootstrap import for_command
    from aftercare.ops.demo import DEMO_ADMIN, DEMO_CLINICIAN, load_demo

    container = for_command(settings)
    try:
        loaded = load_demo(container)
    finally:
        container.engine.dispose()
    say(f"demo: {loaded.procedures} procedures and {loaded.replies} replies added; the "
        "worker plans and reads them in a few seconds")
    if loaded.admin_password:
        say(f"demo: sign in as {DEMO_ADMIN} with password {loaded.admin_password} "
            f"(shown once); {DEMO_CLINICIAN}, same password, sees only the second location")


def _supervise(children: list[subprocess.Popen[bytes]]) -> None:
    """Stop all when one stops or on Ctrl-C / SIGTERM."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping and all(c.poll() is None for c in children):
        time.sleep(0.3)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
    code = max((c.returncode or 0) for c in children)
    sys.exit(0 if stopping else code or 1)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
