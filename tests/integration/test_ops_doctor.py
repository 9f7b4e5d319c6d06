"""`aftercare doctor` passes a sound configuration and names what to fix in a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.support.prism import free_port
from tests.support.smtp import SmtpServer


def doctor(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    clean.update({"AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                  "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"), **env})
    return subprocess.run([sys.executable, "-m", "aftercare", "doctor"], env=clean,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_sound_configuration_passes(sqlite_url: str, tmp_path: Path,
                                      smtp_server: SmtpServer) -> None:
    result = doctor(tmp_path, AFTERCARE_DATABASE_URL=sqlite_url,
                    AFTERCARE_EMAIL_CHANNEL="smtp", AFTERCARE_SMTP_HOST=smtp_server.host,
                    AFTERCARE_SMTP_PORT=str(smtp_server.port),
                    AFTERCARE_ONCALL_PHONE="+12125550100")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   on call: on-call (settings), always" in result.stdout
    assert "ok   database: reachable" in result.stdout
    assert "ok   migrations: at the newest" in result.stdout
    assert "ok   care plans: 3 valid" in result.stdout
    assert "all checks passed" in result.stdout


def test_a_broken_configuration_says_what_to_fix(tmp_path: Path) -> None:
    result = doctor(tmp_path, AFTERCARE_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}",
                    AFTERCARE_SMS_CHANNEL="twilio", AFTERCARE_TWILIO_ACCOUNT_SID="",
                    AFTERCARE_TWILIO_AUTH_TOKEN="change-me",
                    AFTERCARE_PUBLIC_BASE_URL="http://clinic.example.org",
                    AFTERCARE_EMAIL_CHANNEL="smtp", AFTERCARE_SMTP_HOST="127.0.0.1",
                    AFTERCARE_SMTP_PORT=str(free_port()),
                    AFTERCARE_TWILIO_FROM_NUMBER="+15017122661")
    out = result.stdout
    assert result.returncode == 1, out
    assert "FAIL twilio account" in out and "AFTERCARE_TWILIO_ACCOUNT_SID" in out
    assert "FAIL twilio token" in out and "change-me" not in out  # never echo secrets
    assert "FAIL public url" in out and "https" in out
    assert "FAIL smtp" in out
    assert "FAIL migrations" in out and "aftercare db upgrade" in out
    assert "problem(s) found" in out


def test_a_broken_care_plan_is_named(sqlite_url: str, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    source = (REPO_ROOT / "schedules" / "sclerotherapy.yaml").read_text()
    (plans / "sclerotherapy.yaml").write_text(source.replace("channel: sms", "channel: fax", 1))
    result = doctor(tmp_path, AFTERCARE_DATABASE_URL=sqlite_url,
                    AFTERCARE_SCHEDULES_DIR=str(plans))
    assert result.returncode == 1
    assert "FAIL care plans" in result.stdout and "sclerotherapy.yaml" in result.stdout


def test_settings_that_do_not_load_are_reported(tmp_path: Path) -> None:
    result = doctor(tmp_path, AFTERCARE_ENVIRONMENT="production")
    assert result.returncode == 1
    assert "FAIL settings" in result.stdout and "AFTERCARE_SECRET_KEY" in result.stdout


def test_nobody_on_call_fails_and_says_what_to_set(sqlite_url: str, tmp_path: Path) -> None:
    result = doctor(tmp_path, AFTERCARE_DATABASE_URL=sqlite_url)
    assert result.returncode == 1
    assert "FAIL on call: nobody: an urgent reply would alert no one" in result.stdout
    assert "AFTERCARE_ONCALL_PHONE" in result.stdout


def test_production_refuses_to_start_with_nobody_on_call(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from aftercare.settings import Settings

    base = {"environment": "production", "secret_key": "s" * 40, "var_dir": tmp_path,
            "public_base_url": "https://clinic.example.org",
            "database_url": "postgresql+psycopg://u@db/aftercare", "patient_phone_enabled": False}
    try:
        Settings(_env_file=None, **base)  # type: ignore[call-arg,arg-type]
    except ValidationError as exc:
        assert "AFTERCARE_ONCALL_PHONE or AFTERCARE_ONCALL_EMAIL" in str(exc)
    else:
        raise AssertionError("production started with nobody on call")
    Settings(_env_file=None, oncall_email="oncall@clinic.example.org",  # type: ignore[call-arg]
             **base)  # type: ignore[arg-type]
