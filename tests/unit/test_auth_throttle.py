"""The pure parts of auth hardening: the throttle's delays and keys, who may scrape metrics."""

from __future__ import annotations

from typing import Any

import pytest

from aftercare.auth.throttle import ACCOUNT, ADDRESS, Policy, account_key, address_key
from aftercare.ops.metrics import scrape_refusal
from aftercare.settings import Settings


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (4, 0), (5, 2), (6, 4), (7, 8), (9, 32), (10, 60), (11, 60), (1000, 60)])
def test_the_account_wait_doubles_up_to_a_minute(failures: int, seconds: float) -> None:
    assert ACCOUNT.delay(failures) == seconds


def test_an_address_gets_more_typos_free_and_a_longer_cap() -> None:
    assert ADDRESS.delay(19) == 0 and ADDRESS.delay(20) == 2
    assert ADDRESS.delay(10_000) == 15 * 60


def test_a_policy_without_free_attempts_waits_from_the_first() -> None:
    assert Policy(free=0, first=1, cap=5).delay(0) == 1


def test_keys_hide_the_email_and_do_not_mix_kinds() -> None:
    key = account_key("nurse@example.org")
    assert len(key) == 64 and "nurse" not in key
    assert key != address_key("nurse@example.org")
    assert account_key("nurse@example.org") == key  # callers normalise first


def settings(**values: Any) -> Settings:
    base: dict[str, Any] = {"environment": "test", "database_url": "sqlite://"}
    if values.get("environment") == "production":
        base.update(database_url="postgresql+psycopg://db/aftercare", secret_key="s" * 32,
                    patient_phone_enabled=False, oncall_phone="+15550100001",
                    public_base_url="https://clinic.example.org")
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[call-arg]


@pytest.mark.parametrize(("values", "authorization", "refusal"), [
    ({}, "", None),
    ({"environment": "production"}, "", 404),
    ({"environment": "production"}, "Bearer anything", 404),
    ({"metrics_token": "t0ken"}, "", 401),
    ({"metrics_token": "t0ken"}, "Bearer wrong", 401),
    ({"metrics_token": "t0ken"}, "Basic t0ken", 401),
    ({"metrics_token": "t0ken"}, "Bearer t0ken", None),
    ({"metrics_token": "t0ken"}, "bearer t0ken", None),
    ({"environment": "production", "metrics_token": "t0ken"}, "Bearer t0ken", None),
    ({"environment": "production", "metrics_token": ""}, "Bearer ", 404),
])
def test_who_may_scrape_metrics(values: dict[str, Any], authorization: str,
                                refusal: int | None) -> None:
    assert scrape_refusal(settings(**values), authorization) == refusal
