"""Bulk test data in single SQL statements (generate_series), never the ORM row by row.

One INSERT ... SELECT is one transaction: its rows appear to the workers all at once, at the
commit, which is how a burst "falls due at the same minute".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from bench.stack import Stack

SMS_TEXT = ("Hi {n}, a reminder from Riverside Clinic: walk 20-30 minutes twice today and keep "
            "your stockings on. Questions: +1 555 010 2030.")


def add_patients(stack: Stack, count: int, *, tag: str) -> None:
    """`count` patients (SMS and email consent) with one active procedure each."""
    with stack.db.begin() as conn:
        conn.execute(text("""
            INSERT INTO patients (external_id, first_name, phone, email, timezone, language,
                                  sms_consent, email_consent, created_at)
            SELECT :tag || '-' || g, 'Pat' || g, '+1415' || (2000000 + g),
                   'p' || g || '@example.org', 'America/New_York', 'en', true, true, now()
            FROM generate_series(1, :count) g"""), {"tag": tag, "count": count})
        conn.execute(text("""
            INSERT INTO procedures (external_id, patient_id, procedure_type, plan_version,
                                    performed_at, status, planned_at, created_at, updated_at,
                                    location_id)
            SELECT 'proc-' || p.external_id, p.id, 'sclerotherapy', 1, now(), 'active', now(),
                   now(), now(), (SELECT min(id) FROM locations)
            FROM patients p WHERE p.external_id LIKE :tag || '-%'"""), {"tag": tag})


def add_due_sms(stack: Stack, count: int, *, tag: str, first_due: datetime,
                spacing_seconds: float = 0.0, patients_tag: str, analyze: bool = True) -> None:
    """`count` planned SMS rows, due from `first_due` on, one every `spacing_seconds` (0: all
    at once), spread over the procedures of `patients_tag`; each body is unique (the stand-in
    counts sends per (to, body), which is how duplicates show).

    With `analyze`, planner statistics are refreshed in the same transaction (ANALYZE counts
    its own transaction's rows), as autovacuum would have done in the days between planning
    and the due time. Without it, see `claim_overreach` in dispatch.py."""
    with stack.db.begin() as conn:
        conn.execute(text("""
            WITH p AS (
                SELECT pr.id, pr.patient_id, row_number() OVER (ORDER BY pr.id) - 1 AS k,
                       count(*) OVER () AS n
                FROM procedures pr WHERE pr.external_id LIKE 'proc-' || :ptag || '-%')
            INSERT INTO messages (dedupe_key, procedure_id, patient_id, audience, step, channel,
                                  kind, status, reason, due_at, send_after, local_due, language,
                                  body, attempts, created_at, updated_at)
            SELECT :tag || ':' || g, p.id, p.patient_id, 'patient', 'step' || g, 'sms',
                   'guidance', 'planned', NULL, d.due, d.due, d.due::text, 'en',
                   :tag || '#' || g || ' ' || replace(:body, '{n}', 'Pat' || p.patient_id),
                   0, now(), now()
            FROM generate_series(1, :count) g
            JOIN p ON p.k = (g - 1) % (SELECT max(n) FROM p)
            CROSS JOIN LATERAL (
                SELECT CAST(:first AS timestamptz)
                       + (g - 1) * :spacing * interval '1 second' AS due) d"""),
            {"tag": tag, "ptag": patients_tag, "count": count, "first": first_due,
             "spacing": spacing_seconds, "body": SMS_TEXT})
        if analyze:
            conn.execute(text("ANALYZE messages"))


def clear_messages(stack: Stack) -> None:
    """Between runs: no message may carry over into the next measurement."""
    stack.execute("TRUNCATE messages, delivery_events RESTART IDENTITY CASCADE")


def analyze(stack: Stack, table: str) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give them soon after."""
    stack.execute(f"ANALYZE {table}")
