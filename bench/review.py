"""5. review queue: GET /api/reviews?status=open with N stored replies (bulk-inserted).

5% of the replies are open (urgent 10%, review 60%, routine 30% of those), the rest reviewed
or needing no review; most answer a check-in (the route shows the step). One clinician asks
for the first page (50, the default) again and again, sequentially; then the urgent filter
and a deep page, for the notes.
"""

from __future__ import annotations

import time

import httpx
from sqlalchemy import text

from bench.data import add_patients
from bench.load import percentile
from bench.progress import say
from bench.report import Results
from bench.stack import Stack

PATIENTS = 10_000
P95_GOAL_MS = 50.0


def add_replies(stack: Stack, count: int) -> None:
    add_patients(stack, PATIENTS, tag="rv")
    with stack.db.begin() as conn:
        conn.execute(text("""
            INSERT INTO messages (dedupe_key, procedure_id, patient_id, audience, step, channel,
                                  kind, status, due_at, send_after, local_due, language, body,
                                  attempts, sent_at, created_at, updated_at)
            SELECT 'rv:' || pr.id, pr.id, pr.patient_id, 'patient', 'day3-screen', 'sms',
                   'check_in', 'sent', now(), now(), '', 'en', 'How is your leg?', 1, now(),
                   now(), now()
            FROM procedures pr WHERE pr.external_id LIKE 'proc-rv-%'"""))
        conn.execute(text("""
            WITH p AS (
                SELECT pr.id, pr.patient_id, m.id AS message_id, pa.phone,
                       row_number() OVER (ORDER BY pr.id) - 1 AS k
                FROM procedures pr JOIN patients pa ON pa.id = pr.patient_id
                JOIN messages m ON m.dedupe_key = 'rv:' || pr.id
                WHERE pr.external_id LIKE 'proc-rv-%')
            INSERT INTO replies (message_sid, from_phone, to_phone, body, media, received_at,
                                 patient_id, procedure_id, answers_message_id, read_at,
                                 reader_version, intent, triage, triage_rank, present, absent,
                                 severity, reasons, review_status, escalation_level,
                                 created_at)
            SELECT 'SM' || md5(g::text), p.phone, '+15017122661',
                   'my calf is a bit sore and swollen since yesterday', '[]'::json,
                   now() - (g * interval '20 seconds'), p.patient_id, p.id,
                   CASE WHEN g % 10 < 8 THEN p.message_id END, now(), 'bench', 'symptom_report',
                   t.triage,
                   CASE t.triage WHEN 'urgent' THEN 0 WHEN 'review' THEN 1 ELSE 2 END,
                   '["swelling", "pain"]'::json, '[]'::json, 'mild',
                   '["swelling after the procedure"]'::json,
                   CASE WHEN g % 20 = 0 THEN 'open' WHEN g % 3 = 0 THEN 'none'
                        ELSE 'reviewed' END, 0, now()
            FROM generate_series(1, :count) g
            JOIN p ON p.k = g % :patients
            CROSS JOIN LATERAL (SELECT CASE WHEN g % 200 = 0 THEN 'urgent'
                                            WHEN g % 100 < 60 THEN 'review'
                                            ELSE 'routine' END AS triage) t"""),
            {"count": count, "patients": PATIENTS})
        conn.execute(text("ANALYZE replies"))


def timed_gets(base: str, token: str, url: str, count: int) -> list[float]:
    latencies = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


def run(stack: Stack, results: Results, *, replies: int, requests: int) -> None:
    say(f"review: inserting {replies:,} replies")
    started = time.monotonic()
    add_replies(stack, replies)
    open_count = stack.scalar("SELECT count(*) FROM replies WHERE review_status = 'open'")
    say(f"  {replies:,} replies ({open_count:,} open) in {time.monotonic() - started:.0f}s")
    token = stack.create_token("clinician")
    _, base = stack.start_api()
    timed_gets(base, token, "/api/reviews?status=open", 20)  # warm up
    first = timed_gets(base, token, "/api/reviews?status=open", requests)
    urgent = timed_gets(base, token, "/api/reviews?status=open&triage=urgent", requests // 2)
    deep = timed_gets(base, token, "/api/reviews?status=open&offset=10000", requests // 4)

    def ms(values: list[float], p: float) -> float:
        return percentile(values, p) * 1000

    details = {name: {"p50_ms": ms(v, 50), "p95_ms": ms(v, 95), "p99_ms": ms(v, 99),
                      "requests": len(v)}
               for name, v in (("first page", first), ("urgent", urgent),
                               ("offset 10000", deep))}
    results.details["review"] = {"replies": replies, "open": open_count, **details}
    p95 = details["first page"]["p95_ms"]
    results.add("review", f"GET /api/reviews?status=open p95, {replies:,} replies", p95, "ms",
                goal=f"<= {P95_GOAL_MS:.0f} ms", ok=p95 <= P95_GOAL_MS,
                note=f"first page of 50: p50 {details['first page']['p50_ms']:.1f} ms; "
                     f"triage=urgent p95 {details['urgent']['p95_ms']:.1f} ms; offset=10000 "
                     f"p95 {details['offset 10000']['p95_ms']:.1f} ms; {open_count:,} open")
