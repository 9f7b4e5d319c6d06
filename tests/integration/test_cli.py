"""The `aftercare` command as staff and operators use it."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select

from aftercare.cli import main
from aftercare.db.models import Procedure
from tests.conftest import REPO_ROOT


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"AFTERCARE_DATABASE_URL": sqlite_url, "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
              "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
              "AFTERCARE_BROKER_URL": "memory://"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_schedules_check_passes_the_shipped_plans(env: dict[str, str]) -> None:
    code, out, err = run("schedules", "check")
    assert code == 0, err
    assert "ok  sclerotherapy" in out and "ok  ultrasound-guided-foam-sclerotherapy" in out


def test_schedules_check_names_file_step_and_field(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    shutil.copytree(REPO_ROOT / "schedules", folder)
    plan = folder / "sclerotherapy.yaml"
    plan.write_text(plan.read_text().replace("    kind: walking", "    kind: jogging", 1))
    code, _, err = run("schedules", "check", "--dir", str(folder))
    assert code == 1
    assert "sclerotherapy.yaml" in err and "step 'walk_2h'" in err and "kind" in err


def test_schedules_check_with_a_clinic_name_naming_the_procedure(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERCARE_CLINIC_NAME", "Lakeside Vein Center")
    code, _, err = run("schedules", "check")
    assert code == 1 and "with this clinic's name and phone" in err and "vein" in err.lower()


def test_schedules_preview_json(env: dict[str, str]) -> None:
    code, out, err = run("schedules", "preview", "sclerotherapy",
                         "--performed-at", "2026-03-07T15:00:00-05:00",
                         "--tz", "America/New_York", "--json")
    assert code == 0, err
    timeline = json.loads(out)
    first = timeline[0]
    assert {"step", "channel", "due_at", "local_time"} <= first.keys()
    assert first["due_at"].endswith("Z")
    day1 = next(t for t in timeline if t["step"] == "day1_check_in")
    # 2026-03-08 is the spring-forward day: 09:00 EDT is 13:00 UTC.
    assert day1["due_at"] == "2026-03-08T13:00:00Z"
    assert day1["local_time"].startswith("2026-03-08T09:00:00-04:00")


def test_schedules_preview_refuses_naive_time(env: dict[str, str]) -> None:
    code, _, err = run("schedules", "preview", "sclerotherapy",
                       "--performed-at", "2026-03-07T15:00:00", "--tz", "America/New_York")
    assert code == 2 and "offset" in err


def _procedures(env: dict[str, str]) -> int:
    engine = create_engine(env["AFTERCARE_DATABASE_URL"])
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Procedure)).scalar_one()
    engine.dispose()
    return count


# Two days ago at 15:00 in New York: a fixed date would one day leave the one-year window
# in which a procedure may be logged.
_PERFORMED = (datetime.now(ZoneInfo("America/New_York")) - timedelta(days=2)).replace(
    hour=15, minute=0, second=0, microsecond=0)
LOG = ["procedures", "log", "--first-name", "Ana", "--phone", "(212) 555-0142",
       "--tz", "America/New_York", "--sms-consent", "--no-email-consent",
       "--type", "sclerotherapy", "--performed-at", _PERFORMED.isoformat()]


def test_procedures_log_and_show(env: dict[str, str]) -> None:
    code, out, err = run(*LOG, "--external-id", "visit-9")
    assert code == 0, err
    created = json.loads(out)
    assert created["created"] is True
    code, out, _ = run(*LOG, "--external-id", "visit-9")
    assert json.loads(out) == {"id": created["id"], "created": False}
    code, out, _ = run("procedures", "show", str(created["id"]))
    assert json.loads(out)["patient"]["phone"] == "+12125550142"


@pytest.mark.parametrize(("change", "says"), [
    (("--type", "laser"), "known: endovenous-thermal-ablation"),
    (("--phone", "12"), "phone"),
    (("--performed-at", _PERFORMED.replace(tzinfo=None).isoformat()), "timezone"),
])
def test_procedures_log_bad_input_writes_nothing(env: dict[str, str], change: tuple[str, str],
                                                 says: str) -> None:
    args = list(LOG)
    args[args.index(change[0]) + 1] = change[1]
    code, _, err = run(*args)
    assert code == 2 and says in err
    assert _procedures(env) == 0


def test_tokens_create_prints_a_token_once(env: dict[str, str]) -> None:
    code, out, _ = run("tokens", "create", "--name", "ehr", "--role", "staff")
    assert code == 0 and out.strip().startswith("act_")
    code, _, err = run("tokens", "create", "--name", "ehr", "--role", "janitor")
    assert code == 2
