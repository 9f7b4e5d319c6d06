"""`aftercare doctor`: is this configuration ready to run, and if not, what to change.

Reads the same Settings as the service, then checks each dependency the way the service will
use it. Prints one line per check and a fix for each problem; exits 1 when any is found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import click
from pydantic import ValidationError
from sqlalchemy.orm import Session

from aftercare.ops import checks
from aftercare.settings import PLACEHOLDER_SECRETS, Settings


@dataclass(frozen=True)
class Finding:
    check: str
    problem: str | None  # None: fine
    fix: str = ""


def twilio_config(s: Settings) -> list[Finding]:
    if s.sms_channel != "twilio":
        return [Finding("sms", None, "console channel (nothing is texted)")]
    found = []
    if not s.twilio_account_sid.startswith("AC") or len(s.twilio_account_sid) != 34:
        found.append(Finding("twilio account", "the account SID is missing or malformed",
                             "set AFTERCARE_TWILIO_ACCOUNT_SID to your AC... SID (34 chars)"))
    if s.twilio_auth_token.get_secret_value().lower() in PLACEHOLDER_SECRETS:
        found.append(Finding("twilio token", "the auth token is missing or a placeholder",
                             "set AFTERCARE_TWILIO_AUTH_TOKEN (Twilio console, API keys)"))
    if not (s.twilio_from_number or s.twilio_messaging_service_sid):
        found.append(Finding("twilio sender", "no number or Messaging Service to send from",
                             "set AFTERCARE_TWILIO_FROM_NUMBER or "
                             "AFTERCARE_TWILIO_MESSAGING_SERVICE_SID"))
    if s.twilio_api_base_url and s.environment == "production":
        found.append(Finding("twilio api", "requests go to a stand-in, not Twilio",
                             "unset AFTERCARE_TWILIO_API_BASE_URL"))
    return found or [Finding("twilio", None, "credentials and sender set")]


def public_url(s: Settings) -> Finding:
    if s.public_base_url.startswith("https://"):
        return Finding("public url", None, s.public_base_url)
    if s.sms_channel == "twilio" or s.environment == "production":
        return Finding("public url", f"{s.public_base_url} is not https: Twilio's webhooks "
                       "and their signatures need the public https address",
                       "set AFTERCARE_PUBLIC_BASE_URL=https://your-host")
    return Finding("public url", None, f"{s.public_base_url} (fine for local use only)")


def email(s: Settings) -> Finding:
    if s.email_channel != "smtp":
        return Finding("email", None, "console channel (nothing is emailed)")
    problem = checks.smtp(s)
    return Finding("smtp", problem, "check AFTERCARE_SMTP_HOST/_PORT/_STARTTLS/_USERNAME/"
                   "_PASSWORD" if problem else f"{s.smtp_host}:{s.smtp_port} answers")


def plans(s: Settings) -> Finding:
    from aftercare.careplans.loader import load_plans

    try:
        loaded = load_plans(s.schedules_dir)
    except Exception as exc:  # the loader's errors name file, step and field
        return Finding("care plans", str(exc), "fix the file, then `aftercare schedules check`")
    if not loaded:
        return Finding("care plans", f"no care plans in {s.schedules_dir}",
                       "set AFTERCARE_SCHEDULES_DIR to the schedules/ folder")
    return Finding("care plans", None, f"{len(loaded)} valid in {s.schedules_dir}")


def database(s: Settings) -> list[Finding]:
    from aftercare.db.session import make_engine

    engine = make_engine(s.database_url)
    try:
        problem = checks.database(engine)
        if problem:
            return [Finding("database", problem, "check AFTERCARE_DATABASE_URL and that the "
                            "server is up")]
        migrated = checks.migrations(engine)
        return [Finding("database", None, "reachable"),
                Finding("migrations", migrated, "run `aftercare db upgrade`" if migrated
                        else "at the newest")]
    finally:
        engine.dispose()


def work(s: Settings) -> list[Finding]:
    """Rows set aside or procedures left unplanned: the service runs, but some patients'
    messages are not moving until someone acts."""
    from aftercare.db.session import make_engine

    engine = make_engine(s.database_url)
    try:
        if checks.database(engine) or checks.migrations(engine):
            return []  # already reported by the database check
        stuck = checks.stuck(engine, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if not stuck:
        return [Finding("work", None, "nothing set aside, nothing left unplanned")]
    return [Finding("work", problem, fix) for problem, fix in stuck]


def on_call(s: Settings) -> list[Finding]:
    """Somebody must get the urgent alerts, every hour, at every location: its rota (its
    shifts and the group-wide ones), and its own or the settings contact for the hours the
    rota leaves open."""
    from aftercare.db.session import make_engine
    from aftercare.oncall.rota import uncovered
    from aftercare.oncall.store import cover, settings_contacts

    engine = make_engine(s.database_url)
    try:
        if checks.database(engine) or checks.migrations(engine):
            # The database check reports it; judge the settings alone.
            contact = settings_contacts(s)[0]
            return [_cover("on call", False, uncovered([]),
                           contact.name if contact.reachable else None)]
        with Session(engine) as session:
            places = cover(session, s, datetime.now(UTC))
    finally:
        engine.dispose()
    return [_cover(f"on call ({c.location.key})" if len(places) > 1 else "on call",
                   bool(c.rota), c.gaps, c.in_gaps.name if c.in_gaps else None)
            for c in places]


def _cover(check: str, rota: bool, gaps: list[str], contact: str | None) -> Finding:
    if contact:
        covered = f"the rota, and {contact} for " + (", ".join(gaps) if gaps else
                                                      "nothing (the rota is full)")
        return Finding(check, None, covered if rota else f"{contact}, always")
    fix = ("set AFTERCARE_ONCALL_PHONE or AFTERCARE_ONCALL_EMAIL (or the location's on-call "
           "contact)")
    if not rota:
        return Finding(check, "nobody: an urgent reply would alert no one",
                       fix + ", and the rota on the admin page")
    if gaps:
        return Finding(check, "the rota leaves hours with nobody: " + "; ".join(gaps),
                       fix + " for those hours")
    return Finding(check, None, "the rota covers every hour")


def broker(s: Settings) -> list[Finding]:
    problem = checks.broker(s)
    found = [Finding("broker", problem, "check AFTERCARE_BROKER_URL and that Redis is up"
                     if problem else "reachable")]
    if s.redis_url:
        problem = checks.redis(s.redis_url)
        found.append(Finding("redis", problem, "check AFTERCARE_REDIS_URL (SMS pacing)"
                             if problem else "reachable"))
    return found


def run_checks(s: Settings) -> list[Finding]:
    steps: list[Callable[[Settings], Finding | list[Finding]]] = [
        twilio_config, public_url, email, plans, database, work, on_call, broker]
    findings: list[Finding] = []
    for step in steps:
        result = step(s)
        findings.extend(result if isinstance(result, list) else [result])
    if s.environment == "production" and s.secret_key.get_secret_value() in PLACEHOLDER_SECRETS:
        findings.append(Finding("secret key", "placeholder", "set AFTERCARE_SECRET_KEY"))
    return findings


@click.command(help="Check the configuration and what it points at; say what to fix.")
def doctor() -> None:
    try:
        settings = Settings()
    except ValidationError as exc:
        click.echo("FAIL settings: the configuration does not load")
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            click.echo(f"     {where}: {error['msg']}")
        click.echo("     fix: correct the AFTERCARE_* variables (or .env) named above")
        raise SystemExit(1) from None
    findings = run_checks(settings)
    for f in findings:
        if f.problem is None:
            click.echo(f"ok   {f.check}: {f.fix}")
        else:
            click.echo(f"FAIL {f.check}: {f.problem}\n     fix: {f.fix}")
    problems = sum(1 for f in findings if f.problem)
    click.echo(f"{problems} problem(s) found" if problems else "all checks passed")
    if problems:
        raise SystemExit(1)
