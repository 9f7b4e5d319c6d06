"""`aftercare schedules check|preview`: validate care plan files and show a timeline."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from aftercare.careplans.loader import check_plans, load_plans
from aftercare.careplans.render import realistic_values
from aftercare.planning import PatientContext, PlanningPolicy, plan_messages
from aftercare.settings import Settings


@click.group("schedules", help="Care plans in the schedules folder.")
def schedules() -> None:
    pass


@schedules.command("check", help="Validate every care plan file; exit 1 on any problem.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None)
def check(directory: str | None) -> None:
    settings = Settings()
    folder = directory or settings.schedules_dir
    problems = [str(p) for p in check_plans(folder)]
    # Again with this clinic's own name and numbers: a long name, or one that names the
    # procedure ("... Vein Center"), breaks SMS texts that the worst-case check passed.
    clinic = {**realistic_values("en"), "clinic_name": settings.clinic_name,
              "clinic_phone": settings.clinic_phone,
              "emergency_number": settings.emergency_number}
    problems += [f"{p} (with this clinic's name and phone)"
                 for p in check_plans(folder, values=clinic) if str(p) not in problems]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    plans = load_plans(folder)
    for key, plan in sorted(plans.items()):
        click.echo(f"ok  {key} v{plan.version}: {len(plan.steps)} steps")


@schedules.command("preview", help="Print the messages a plan would send, and when.")
@click.argument("plan_key")
@click.option("--performed-at", required=True, help="ISO 8601 with offset")
@click.option("--tz", "zone", required=True, help="the patient's IANA time zone")
@click.option("--language", type=click.Choice(["en", "es"]), default="en")
@click.option("--now", "now_text", default=None, help="ISO 8601; default: the procedure time")
@click.option("--json", "as_json", is_flag=True)
def preview(plan_key: str, performed_at: str, zone: str, language: str, now_text: str | None,
            as_json: bool) -> None:
    settings = Settings()
    plans = load_plans(settings.schedules_dir)
    if plan_key not in plans:
        raise click.BadParameter(f"unknown plan; known: {', '.join(sorted(plans))}")
    performed = _aware(performed_at, "--performed-at")
    messages = plan_messages(
        plan=plans[plan_key], performed_at=performed,
        patient=PatientContext(first_name="Alex", timezone=zone,
                               language=language,  # type: ignore[arg-type]
                               sms_consent=True, email_consent=True),
        policy=PlanningPolicy.from_settings(settings),
        now=_aware(now_text, "--now") if now_text else performed,
    )
    if as_json:
        click.echo(json.dumps([
            {"step": m.step, "channel": m.channel, "kind": m.kind,
             "due_at": m.due_at.isoformat().replace("+00:00", "Z"),
             "local_time": m.local_due.isoformat(), "status": m.status, "reason": m.reason,
             "subject": m.subject, "body": m.body}
            for m in messages], indent=2, ensure_ascii=False))
        return
    for m in messages:
        note = f"  [{m.status}: {m.reason}]" if m.reason else ""
        click.echo(f"{m.local_due:%a %Y-%m-%d %H:%M %Z}  {m.channel:5}  {m.step:22}{note}")


def _aware(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {text!r}", param_hint=option) from None
    if value.tzinfo is None:
        raise click.BadParameter("needs a UTC offset, e.g. 2026-03-07T15:00:00-05:00",
                                 param_hint=option)
    return value
