"""7. years of history: do the hot paths stay as fast with three years of messages and replies?

A network of 50 locations sends about 15,000,000 messages and receives about 2,000,000
replies in three years. One run, side by side, with the same small "current" working set
(procedures with planned messages, a few open replies):
 (a) claim: `claim_due(limit=200)` p50/p95 over repeated claims of freshly due rows, each
     committed as the worker does (the next claim takes the next 200);
 (b) burst drain: N rows due at once, accepted/s by 1 worker + beat and the stand-in (5 ms);
 (c) GET /api/reviews?status=open p95 (API token);
 (d) the staff procedure search (web, signed in): by name, by phone, the unfiltered list;
 (e) a procedure's timeline page (web, signed in);
first on an empty history, then after bulk-loading the history (INSERT ... SELECT
generate_series) and a VACUUM ANALYZE, as autovacuum would have run in three years. (a) and
(b) run twice in each phase and the better is kept: the machine is shared. Then the queries
behind each page, EXPLAIN (ANALYZE, BUFFERS) on the history, into
bench/results/history-plans.txt. The indexes these plans asked for (the procedures list's
order, trigram search on names and phones, the reply-to-message key) are in migration 0006.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.data import SMS_TEXT, add_due_sms, add_patients
from bench.dispatch import _start, _stop
from bench.load import closed_loop, percentile
from bench.progress import say, watch
from bench.provider import Provider, start_provider
from bench.report import RESULTS, Results
from bench.stack import Stack

CURRENT = "cur"  # the working set's patients tag (bench.data.add_patients)
CURRENT_PROCEDURES = 3_000
CURRENT_PLANNED = 13 * CURRENT_PROCEDURES  # a care plan is about 13 messages
LOCATIONS = 50
PER_PROCEDURE = 13
YEARS = 3
LIMIT = 200  # the worker's claim size
CHUNK = 1_000_000  # rows per INSERT of the history
REQUESTS = 150  # sequential requests per page, one clinician...
PAGE_SECONDS, MIN_REQUESTS = 30.0, 20  # ...fewer when a page takes seconds
P95_GOAL_MS = 50.0
SAME_GOAL = 0.10  # claim and drain within 10% of the empty figures
PASSWORD = "bench history password"
PLANS = RESULTS / "history-plans.txt"
BIG = ("messages", "replies", "patients", "procedures", "reviews")

FIRST_NAMES = ("Maria", "James", "Linda", "Robert", "Patricia", "John", "Barbara", "Michael",
               "Susan", "David", "Karen", "William", "Nancy", "Richard", "Lisa", "Joseph",
               "Betty", "Thomas", "Sandra", "Carlos", "Ana", "Rosa", "Wei", "Priya", "Olga")
STEPS = ("h2-walk", "evening-check", "day1-stockings", "day2-screen", "day3-walk",
         "day3-screen", "day5-shower", "day7-screen", "day10-bruising", "day14-screen",
         "day21-stockings", "day30-screen", "day60-survey")
STEP_HOURS = (2, 8, 20, 44, 66, 70, 116, 164, 236, 332, 500, 716, 1436)
EMAIL_STEPS = (6, 12)  # the care plan's emails (the rest are SMS)
CHECK_IN_STEPS = (3, 5, 7, 9, 11)  # the steps a reply answers


# -- the history, in bulk ------------------------------------------------------------------
def _ids_after(conn: Any, table: str, before: int, count: int) -> int:
    """The first id of the `count` rows one INSERT just added (one session, one statement:
    consecutive ids), checked, so every computed foreign key below points at a real row."""
    low, high = conn.execute(text(f"SELECT min(id), max(id) FROM {table} WHERE id > :b"),
                             {"b": before}).one()
    if high - low + 1 != count:
        raise RuntimeError(f"{table}: ids {low}..{high} are not {count:,} consecutive rows")
    return int(low)


def _max_id(conn: Any, table: str) -> int:
    return int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar())


def _add_people(conn: Any, patients: int, procedures: int, start: datetime, gap: float
                ) -> tuple[int, int]:
    """Patients spread over 50 locations (their external ids; there is no location column
    yet), some with more than one procedure; procedures evenly over the three years."""
    before = _max_id(conn, "patients")
    conn.execute(text("""
        INSERT INTO patients (external_id, first_name, phone, email, timezone, language,
                              sms_consent, email_consent, created_at)
        SELECT 'L' || lpad((g % :locations)::text, 2, '0') || '-' || g,
               a.names[1 + g % cardinality(a.names)], '+1' || (3120000000 + g),
               'h' || g || '@example.org',
               (ARRAY['America/New_York', 'America/Chicago', 'America/Denver',
                      'America/Los_Angeles'])[1 + g % 4],
               CASE WHEN g % 10 = 0 THEN 'es' ELSE 'en' END, g % 50 <> 0, g % 5 <> 0,
               :start + g * :gap * interval '1 second'
        FROM generate_series(1, :n) g CROSS JOIN (SELECT CAST(:names AS text[]) AS names) a"""),
        {"n": patients, "locations": LOCATIONS, "names": list(FIRST_NAMES), "start": start,
         "gap": gap * procedures / patients})
    pat0 = _ids_after(conn, "patients", before, patients)
    before = _max_id(conn, "procedures")
    conn.execute(text("""
        INSERT INTO procedures (external_id, patient_id, procedure_type, plan_version,
                                performed_at, side, clinician, status, cancel_reason,
                                planned_at, created_at, updated_at, location_id)
        SELECT 'hproc-' || k, :pat0 + k % :patients,
               (ARRAY['sclerotherapy', 'endovenous-thermal-ablation',
                      'ultrasound-guided-foam-sclerotherapy'])[1 + k % 3], 1, t.at,
               CASE WHEN k % 2 = 0 THEN 'left' ELSE 'right' END, 'Dr. ' || (k % 120),
               CASE WHEN k % 40 = 0 THEN 'cancelled' ELSE 'active' END,
               CASE WHEN k % 40 = 0 THEN 'patient cancelled' END,
               t.at - interval '2 days', t.at - interval '2 days', t.at + interval '60 days',
               (SELECT min(id) FROM locations)
        FROM generate_series(0, :n - 1) k
        CROSS JOIN LATERAL (SELECT :start + k * :gap * interval '1 second' AS at) t"""),
        {"n": procedures, "pat0": pat0, "patients": patients, "start": start, "gap": gap})
    return pat0, _ids_after(conn, "procedures", before, procedures)


def _add_messages(conn: Any, rows: range, pat0: int, patients: int, proc0: int,
                  start: datetime, gap: float) -> None:
    """13 per procedure, all in final states: 88% delivered, 3% sent (no callback came),
    2% undelivered, 1% failed, 3% skipped, 3% cancelled. Ids are computed, not joined."""
    conn.execute(text("""
        INSERT INTO messages (dedupe_key, procedure_id, patient_id, audience, step, channel,
                              kind, status, reason, due_at, send_after, local_due, language,
                              body, attempts, claimed_at, sent_at, delivered_at, provider,
                              provider_id, provider_status, error_code, created_at,
                              updated_at)
        SELECT 'plan:' || (:proc0 + k) || ':' || a.steps[s + 1] || ':' || c.channel,
               :proc0 + k, :pat0 + k % :patients, 'patient', a.steps[s + 1], c.channel,
               CASE WHEN s = ANY(a.check_ins) THEN 'check_in' ELSE 'guidance' END,
               st.status, CASE st.status WHEN 'skipped' THEN 'no consent for this channel'
                                          WHEN 'cancelled' THEN 'procedure cancelled' END,
               d.due, d.due, left(d.due::text, 16), 'en',
               replace(:body, '{n}', 'Pat' || (k % :patients)),
               CASE WHEN st.sent THEN 1 ELSE 0 END,
               CASE WHEN st.sent THEN d.due END,
               CASE WHEN st.sent THEN d.due + interval '2 seconds' END,
               CASE WHEN st.status = 'delivered' THEN d.due + interval '6 seconds' END,
               CASE WHEN st.sent THEN c.provider END,
               CASE WHEN st.sent THEN 'SM' || md5(g::text) END,
               CASE WHEN st.sent THEN st.status END,
               CASE st.status WHEN 'undelivered' THEN '30005' WHEN 'failed' THEN '30003' END,
               d.due - interval '3 days', d.due + interval '6 seconds'
        FROM generate_series(CAST(:g0 AS bigint), :g1 - 1) g
        CROSS JOIN (SELECT CAST(:steps AS text[]) AS steps, CAST(:hours AS int[]) AS hours,
                           CAST(:emails AS int[]) AS emails,
                           CAST(:check_ins AS int[]) AS check_ins) a
        CROSS JOIN LATERAL (SELECT g / :per AS k, (g % :per)::int AS s,
                                   (g * 7919) % 1000 AS r) x
        CROSS JOIN LATERAL (
            SELECT CASE WHEN x.s = ANY(a.emails) THEN 'email' ELSE 'sms' END AS channel,
                   CASE WHEN x.s = ANY(a.emails) THEN 'smtp' ELSE 'twilio' END AS provider) c
        CROSS JOIN LATERAL (
            SELECT :start + (x.k * :gap + a.hours[x.s + 1] * 3600) * interval '1 second'
                   AS due) d
        CROSS JOIN LATERAL (
            SELECT CASE WHEN r < 30 THEN 'cancelled' WHEN r < 60 THEN 'skipped'
                        WHEN r < 70 THEN 'failed' WHEN r < 90 THEN 'undelivered'
                        WHEN r < 120 THEN 'sent' ELSE 'delivered' END AS status,
                   r >= 60 AS sent) st"""),
        {"g0": rows.start, "g1": rows.stop, "per": PER_PROCEDURE, "proc0": proc0, "pat0": pat0,
         "patients": patients, "steps": list(STEPS), "hours": list(STEP_HOURS),
         "emails": list(EMAIL_STEPS), "check_ins": list(CHECK_IN_STEPS), "body": SMS_TEXT,
         "start": start, "gap": gap})


def _add_replies(conn: Any, rows: range, *, first_procedure: int, procedures: int,
                 open_every: int, msg0: int | None) -> None:
    """`count` replies over the procedures `first_procedure`..: one in `open_every` still
    open, the urgent and review ones reviewed (with their review), the rest needing none.
    With `msg0` (the history), 80% answer one of their procedure's check-ins."""
    before = _max_id(conn, "replies")
    conn.execute(text("""
        WITH p AS (
            SELECT pr.id, pr.patient_id, pr.performed_at, pa.phone, pr.id - :p0 AS k
            FROM procedures pr JOIN patients pa ON pa.id = pr.patient_id
            WHERE pr.id >= :p0 AND pr.id < :p0 + :procs)
        INSERT INTO replies (message_sid, from_phone, to_phone, body, media, received_at,
                             patient_id, procedure_id, answers_message_id, read_at,
                             reader_version, intent, triage, triage_rank, present, absent,
                             severity, reasons, review_status, escalation_level, created_at)
        SELECT 'SM' || md5('reply' || :p0 || ':' || j), p.phone, '+15017122661', t.body,
               '[]'::json, rt.at, p.patient_id, p.id,
               CASE WHEN CAST(:msg0 AS bigint) IS NOT NULL AND j % 10 < 8
                    THEN :msg0 + p.k * :per + a.check_ins[1 + j % cardinality(a.check_ins)]
               END,
               rt.at + interval '1 second', 'bench', t.intent, t.triage,
               CASE t.triage WHEN 'urgent' THEN 0 WHEN 'review' THEN 1 WHEN 'routine' THEN 2
                             ELSE 3 END,
               '["swelling", "pain"]'::json, '[]'::json, 'mild',
               '["swelling after the procedure"]'::json,
               CASE WHEN j % :open_every = 0 THEN 'open'
                    WHEN t.triage IN ('urgent', 'review') THEN 'reviewed' ELSE 'none' END,
               0, rt.at
        FROM generate_series(:j0, :j1 - 1) j
        JOIN p ON p.k = j % :procs
        CROSS JOIN (SELECT CAST(:check_ins AS int[]) AS check_ins) a
        CROSS JOIN LATERAL (
            SELECT LEAST(p.performed_at + (1 + j % 300) * interval '1 hour',
                         now() - (j % 3600) * interval '1 second') AS at) rt
        CROSS JOIN LATERAL (
            SELECT CASE WHEN j % 200 = 7 THEN 'urgent' WHEN j % 10 < 3 THEN 'review'
                        WHEN j % 10 < 9 THEN 'routine' ELSE 'none' END AS triage,
                   CASE WHEN j % 10 = 9 THEN 'thanks' ELSE 'symptom_report' END AS intent,
                   CASE WHEN j % 10 = 9 THEN 'thank you, all good'
                        ELSE 'my calf is a bit sore and swollen since yesterday' END AS body
            ) t"""),
        {"j0": rows.start, "j1": rows.stop, "p0": first_procedure, "procs": procedures,
         "open_every": open_every, "msg0": msg0, "per": PER_PROCEDURE,
         "check_ins": list(CHECK_IN_STEPS)})
    conn.execute(text("""
        INSERT INTO reviews (reply_id, reviewer, outcome, note, created_at)
        SELECT id, 'Dr. ' || (id % 120), 'no_action_needed', '', received_at + interval '2 hours'
        FROM replies WHERE id > :before AND review_status = 'reviewed'"""), {"before": before})


def _chunks(count: int, size: int) -> Iterator[range]:
    for low in range(0, count, size):
        yield range(low, min(low + size, count))


def load_history(stack: Stack, *, messages: int, replies: int) -> dict[str, Any]:
    """In statements of a million rows or so: each statement queues its foreign-key checks
    in memory until it ends."""
    procedures = messages // PER_PROCEDURE
    patients = procedures * 6 // 7  # one patient in seven comes back for another leg
    start = datetime.now(UTC) - timedelta(days=365 * YEARS)
    gap = (365 * YEARS - 60) * 86400 / procedures  # the last ones finished their plans
    count = procedures * PER_PROCEDURE
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(name: str) -> None:
        timings[name] = time.monotonic() - clock - sum(timings.values())
        say(f"  {name}: {timings[name]:,.0f}s")

    with stack.db.begin() as conn:
        pat0, proc0 = _add_people(conn, patients, procedures, start, gap)
        before = _max_id(conn, "messages")
    lap("patients and procedures")
    for rows in _chunks(count, CHUNK - CHUNK % PER_PROCEDURE):
        with stack.db.begin() as conn:
            _add_messages(conn, rows, pat0, patients, proc0, start, gap)
        say(f"  messages {rows.stop:,}/{count:,}")
    with stack.db.begin() as conn:
        msg0 = _ids_after(conn, "messages", before, count)
    lap("messages")
    for rows in _chunks(replies, CHUNK):
        with stack.db.begin() as conn:
            _add_replies(conn, rows, first_procedure=proc0, procedures=procedures,
                         open_every=10_000, msg0=msg0)
    lap("replies and reviews")
    with stack.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        lap("VACUUM ANALYZE")
        # Three years of writes were spread out; here their dirty pages would otherwise be
        # flushed during the measurements, slowing every commit.
        conn.execute(text("CHECKPOINT"))
    lap("CHECKPOINT")
    return {"patients": patients, "procedures": procedures, "messages": count,
            "replies": replies, "seconds": {k: round(v, 1) for k, v in timings.items()},
            "total_seconds": round(time.monotonic() - clock, 1)}


def add_current(stack: Stack) -> None:
    """The working set both measurements share: procedures with planned messages ahead and
    a reply each, 5% open (review.py's proportion)."""
    add_patients(stack, CURRENT_PROCEDURES, tag=CURRENT)
    add_due_sms(stack, CURRENT_PLANNED, tag="planned", first_due=datetime.now(UTC)
                + timedelta(days=1), spacing_seconds=60.0, patients_tag=CURRENT)
    first = stack.scalar("SELECT min(id) FROM procedures")
    with stack.db.begin() as conn:
        _add_replies(conn, range(CURRENT_PROCEDURES), first_procedure=first,
                     procedures=CURRENT_PROCEDURES, open_every=20, msg0=None)
        conn.execute(text("ANALYZE"))


def table_sizes(stack: Stack) -> dict[str, int]:
    return {t: stack.scalar(f"SELECT pg_total_relation_size('{t}')")
            for t in ("messages", "replies")}


# -- (a) claim and (b) burst drain ----------------------------------------------------------
def _forget_since(stack: Stack, mark: int) -> None:
    """Removes a measurement's own rows, so the next one meets the same working set.

    Without foreign-key triggers: nothing refers to these rows, and replies.answers_message_id
    has no index, so each deleted message would scan every reply for a reference (10,000
    deletes over 40,000 replies took 30 s)."""
    with stack.db.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("DELETE FROM messages WHERE id > :mark"), {"mark": mark})


def claims(stack: Stack, *, count: int, phase: str) -> dict[str, Any]:
    """`count` claims of 200 in a row, each committed: the worker's claim, over rows that
    all fell due a minute ago (added and analyzed first, as dispatch.py does)."""
    from aftercare.outbox.claim import claim_due

    mark = stack.scalar("SELECT coalesce(max(id), 0) FROM messages")
    add_due_sms(stack, count * LIMIT, tag=f"claim-{phase}", patients_tag=CURRENT,
                first_due=datetime.now(UTC) - timedelta(minutes=1))
    seconds, claimed = [], 0
    for _ in range(count):
        started = time.perf_counter()
        with Session(stack.db) as session, session.begin():
            claimed += len(claim_due(session, now=datetime.now(UTC), limit=LIMIT))
        seconds.append(time.perf_counter() - started)
    _forget_since(stack, mark)
    return {"claims": count, "claimed": claimed, "p50_ms": percentile(seconds, 50) * 1000,
            "p95_ms": percentile(seconds, 95) * 1000}


def drain(stack: Stack, provider: Provider, *, count: int, phase: str) -> dict[str, Any]:
    """bench/dispatch.py's burst, counting only this burst's rows (a count of every sent
    row would read the history once a second, and slow the worker it measures)."""
    mark = stack.scalar("SELECT coalesce(max(id), 0) FROM messages")
    provider.configure(latency_ms=5)
    procs = _start(stack, 1)

    def sent() -> int:
        return stack.scalar("SELECT count(*) FROM messages WHERE id > :mark AND status "
                            "IN ('sent', 'failed')", mark=mark)

    add_due_sms(stack, count, tag=f"hburst-{phase}", patients_tag=CURRENT,
                first_due=datetime.now(UTC).replace(second=0, microsecond=0))
    started = time.monotonic()  # the commit: every row is due from now on
    done, _ = watch(lambda: ((n := sent()) >= count, f"sent {n:,}/{count:,}"),
                    timeout=max(60.0, count / 100), every=0.25)
    elapsed = time.monotonic() - started
    _stop(stack, procs)
    accepted = sent()
    _forget_since(stack, mark)
    return {"messages": count, "accepted": accepted, "seconds": elapsed, "complete": done,
            "rate": accepted / elapsed}


# -- (c)-(e) pages ----------------------------------------------------------------------------
def web_cookie(base: str, email: str) -> str:
    """Signs in as a browser would (CSRF token from the form); returns the session cookie.
    The cookie is Secure (the public URL is https) and this is plain http on 127.0.0.1, so
    it is carried by hand, not by a cookie jar."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        cookie = form.headers["set-cookie"].split(";", 1)[0]
        if token is None:
            raise RuntimeError(f"no CSRF token on /login ({form.status_code})")
        signed = client.post("/login", headers={"Cookie": cookie}, data={
            "email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in refused: {signed.status_code}")
        return signed.headers["set-cookie"].split(";", 1)[0]


def add_user(stack: Stack, email: str) -> None:
    from aftercare.auth.users import create_user

    with Session(stack.db) as session, session.begin():
        create_user(session, email=email, role="clinician", password=PASSWORD)


def timed(base: str, urls: list[str], headers: dict[str, str]) -> dict[str, float]:
    """One clinician: sequential requests (closed loop, 1 connection), after a warm-up of 5
    that also sizes the run: as many as fit in PAGE_SECONDS, at least MIN_REQUESTS."""
    requests = [{"method": "GET", "url": u, "headers": headers} for u in urls]
    warm = closed_loop(base, requests[:5], clients=1)
    each = max(sum(warm.latencies) / max(warm.done, 1), 1e-3)
    requests = requests[:max(MIN_REQUESTS, min(len(requests), int(PAGE_SECONDS / each)))]
    load = closed_loop(base, requests, clients=1)
    if load.ok(200) != len(requests) or warm.ok(200) != warm.done:
        raise RuntimeError(f"{urls[0]}: statuses {load.statuses}, {load.errors} errors")
    return {"p50_ms": percentile(load.latencies, 50) * 1000,
            "p95_ms": percentile(load.latencies, 95) * 1000, "requests": load.done}


def page_urls(stack: Stack) -> dict[str, list[str]]:
    """Each page asked for the working set's patients and procedures, in turn."""
    with stack.db.connect() as conn:
        rows = conn.execute(text(
            "SELECT pr.id, pa.first_name, pa.phone FROM procedures pr "
            "JOIN patients pa ON pa.id = pr.patient_id WHERE pr.external_id LIKE :tag "
            "ORDER BY pr.id LIMIT :n"), {"tag": f"proc-{CURRENT}-%", "n": REQUESTS}).all()
    return {
        "review queue": ["/api/reviews?status=open"] * REQUESTS,
        "search by name": [f"/procedures?q={name}" for _, name, _ in rows],
        "search by phone": [f"/procedures?q={phone[-7:]}" for _, _, phone in rows],
        "procedure list": ["/procedures"] * REQUESTS,
        "timeline": [f"/procedures/{pid}" for pid, _, _ in rows],
    }


def pages(stack: Stack, *, token: str, email: str) -> dict[str, dict[str, float]]:
    proc, base = stack.start_api()
    try:
        api = {"Authorization": f"Bearer {token}"}
        web = {"Cookie": web_cookie(base, email)}
        return {name: timed(base, urls, api if name == "review queue" else web)
                for name, urls in page_urls(stack).items()}
    finally:
        stack.processes.stop(proc)


def measure(stack: Stack, provider: Provider, *, phase: str, scale: dict[str, int],
            token: str, email: str) -> dict[str, Any]:
    """Claims and drain twice each, the better kept (both in the JSON): the machine is shared,
    and a neighbour's burst should not decide a 10% goal."""
    say(f"history: measuring on the {phase} database")
    tries = [claims(stack, count=scale["claims"], phase=f"{phase}{i}") for i in (1, 2)]
    out: dict[str, Any] = {"claim": min(tries, key=lambda c: c["p95_ms"]), "claim_tries": tries}
    say("  claim p95 " + ", ".join(f"{c['p95_ms']:.1f}" for c in tries) + " ms")
    runs = [drain(stack, provider, count=scale["burst"], phase=f"{phase}{i}") for i in (1, 2)]
    out["drain"], out["drain_tries"] = max(runs, key=lambda d: d["rate"]), runs
    say("  drain " + ", ".join(f"{d['rate']:,.0f}" for d in runs) + " msg/s")
    out["pages"] = pages(stack, token=token, email=email)
    for name, figures in out["pages"].items():
        say(f"  {name} p95 {figures['p95_ms']:.1f} ms")
    return out


# -- the queries behind each, and their plans -----------------------------------------------
@contextmanager
def recorded(stack: Stack) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the code sends, with its parameters (as the driver gets them)."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(stack.db, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(stack.db, "before_cursor_execute", record)


# The search as it could be written for indexes (a code change, not run by the service): the
# OR within patients, the procedure's own external id as a UNION, counted with the page.
def _workloads(stack: Stack) -> dict[str, Callable[[Session], object]]:
    """What each page runs, in-process: the same functions the routes call."""
    from aftercare.outbox.claim import claim_due
    from aftercare.procedures.queries import get_procedure
    from aftercare.review.api import _out
    from aftercare.review.service import open_queue
    from aftercare.web.views import search, timeline

    with stack.db.connect() as conn:
        pid, name, phone = conn.execute(text(
            "SELECT pr.id, pa.first_name, pa.phone FROM procedures pr JOIN patients pa "
            "ON pa.id = pr.patient_id ORDER BY pr.id LIMIT 1")).one()

    def find(q: str) -> Callable[[Session], object]:
        return lambda s: search.search(s, search.Filters(q=q), clinic_zone="America/New_York")

    def page(s: Session) -> object:
        procedure = get_procedure(s, pid)
        events = timeline.timeline(procedure, timeline.replies_for(s, pid))
        return events, timeline.message_counts(procedure), procedure.patient.timezone

    return {
        "claim": lambda s: claim_due(s, now=datetime.now(UTC), limit=LIMIT),
        "review queue": lambda s: [_out(i.reply) for i in open_queue(s, limit=51)],
        "search by name": find(name), "search by phone": find(phone[-7:]),
        "procedure list": find(""), "timeline": page,
    }


def _statements(stack: Stack, work: Callable[[Session], object]) -> list[tuple[str, Any]]:
    with recorded(stack) as seen, Session(stack.db) as session:
        session.begin()
        work(session)
        session.rollback()
    reads = ("SELECT", "UPDATE", "WITH")
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith(reads)]


def explain(stack: Stack, statement: str, parameters: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, rolled back (the claim's UPDATE too)."""
    with stack.db.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                    parameters).all()
        conn.rollback()
    return "\n".join(r[0] for r in rows)


def history_reads(plan: str) -> list[str]:
    """The plan lines that read history: a Seq Scan of a big table, or a node that returns or
    filters away 100,000 rows or more."""
    found = []
    for line in plan.splitlines():
        rows = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)
        removed = re.search(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", line)
        many = (rows and int(rows[1]) * int(rows[2]) >= 100_000) or \
            (removed and int(removed[1]) >= 100_000)
        if re.search(rf"Seq Scan on ({'|'.join(BIG)})\b", line) or many:
            found.append(line.strip())
    return found


def plans(stack: Stack, names: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    """Each page's statements with their plans on the history database."""
    mark = stack.scalar("SELECT coalesce(max(id), 0) FROM messages")
    add_due_sms(stack, 2 * LIMIT, tag="plan-claim", patients_tag=CURRENT,
                first_due=datetime.now(UTC) - timedelta(minutes=1))
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        for name, work in _workloads(stack).items():
            if names and name not in names:
                continue
            out[name] = []
            for statement, parameters in _statements(stack, work):
                plan = explain(stack, statement, parameters)
                ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
                out[name].append({"sql": statement, "plan": plan,
                                  "ms": float(ms[1]) if ms else None,
                                  "history_reads": history_reads(plan)})
    finally:
        _forget_since(stack, mark)
    return out


# -- the run ---------------------------------------------------------------------------------
def _scale(messages: int) -> dict[str, int]:
    """The working-set measurements' sizes: smaller with a quick run's smaller history."""
    full = messages >= 1_000_000
    return {"claims": 100 if full else 50, "burst": 20_000 if full else 5_000}


def _short(sql_or_plan: str) -> str:
    """A claim's 200 ids, once, not 200 times."""
    sql_or_plan = re.sub(r"(%\(id_1_1\)s::INTEGER)(, %\(id_1_\d+\)s::INTEGER)+",
                         r"\1, ... (one per id)", sql_or_plan)
    return re.sub(r"'\{(\d+),[\d,]+,(\d+)\}'", r"'{\1, ..., \2}'", sql_or_plan)


def write_plans(found: dict[str, list[dict[str, Any]]], header: str) -> None:
    lines = [header, "", "statements (ms on the history; lines that read history):"]
    for name, statements in found.items():
        lines += [f"  {name} #{i}: {s['ms']} ms; " + ("; ".join(s["history_reads"]) or "-")
                  for i, s in enumerate(statements, 1)]
    lines.append("")
    for name, statements in found.items():
        for i, s in enumerate(statements, 1):
            lines += [f"=== {name}, statement {i}: {s['ms']} ms",
                      _short(s["sql"].strip()), "", _short(s["plan"]), ""]
    RESULTS.mkdir(exist_ok=True)
    PLANS.write_text("\n".join(lines))


def _record(results: Results, empty: dict[str, Any], history: dict[str, Any],
            load: dict[str, Any]) -> list[tuple[str, float, float, str]]:
    size = f"{load['messages']:,} messages, {load['replies']:,} replies"
    pairs = [("claim of 200 p95", empty["claim"]["p95_ms"], history["claim"]["p95_ms"], "ms"),
             ("claim of 200 p50", empty["claim"]["p50_ms"], history["claim"]["p50_ms"], "ms"),
             ("burst drain, 1 worker, 5 ms", empty["drain"]["rate"],
              history["drain"]["rate"], "msg/s")]
    pairs += [(f"{name} {p}", empty["pages"][name][f"{p}_ms"], figures[f"{p}_ms"], "ms")
              for name, figures in history["pages"].items() for p in ("p95", "p50")]
    for metric, before, after, unit in pairs:
        ratio = after / before if before else float("nan")
        if metric.startswith("claim of 200 p95"):
            goal, ok = f"<= {1 + SAME_GOAL:.2f}x empty", ratio <= 1 + SAME_GOAL
        elif unit == "msg/s":
            goal, ok = f">= {1 - SAME_GOAL:.2f}x empty", ratio >= 1 - SAME_GOAL
        elif metric.endswith("p95"):
            goal, ok = f"<= {P95_GOAL_MS:.0f} ms", after <= P95_GOAL_MS
        else:
            goal, ok = "", None
        results.add("history", f"{metric}, {size}", after, unit, goal=goal, ok=ok,
                    note=f"empty {before:,.3g} {unit}; history/empty {ratio:.2f}")
    return pairs


def side_by_side(pairs: list[tuple[str, float, float, str]],
                 heads: tuple[str, str] = ("empty", "history")) -> str:
    rows = [("figure", *heads, f"{heads[1]}/{heads[0]}")] + [
        (m, f"{b:,.1f} {u}", f"{a:,.1f} {u}", f"{a / b:.2f}" if b else "-")
        for m, b, a, u in pairs]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))
                     for r in rows)


def run(stack: Stack, results: Results, *, messages: int, replies: int) -> None:
    scale = _scale(messages)
    provider = start_provider(stack)
    email = "history@example.org"
    add_user(stack, email)
    token = stack.create_token("clinician")
    say(f"history: working set of {CURRENT_PROCEDURES:,} procedures, "
        f"{CURRENT_PLANNED:,} planned messages")
    add_current(stack)
    empty = measure(stack, provider, phase="empty", scale=scale, token=token, email=email)
    sizes_before = table_sizes(stack)
    say(f"history: loading {messages:,} messages and {replies:,} replies over {YEARS} years")
    load = load_history(stack, messages=messages, replies=replies)
    say(f"  loaded in {load['total_seconds']:,.0f}s: {load['seconds']}")
    sizes_after = table_sizes(stack)
    per_row = {
        "bytes per message": (sizes_after["messages"] - sizes_before["messages"])
        / load["messages"],
        "bytes per reply": (sizes_after["replies"] - sizes_before["replies"]) / load["replies"]}
    say(f"  {per_row['bytes per message']:,.0f} B per message, "
        f"{per_row['bytes per reply']:,.0f} B per reply (table + indexes)")
    history = measure(stack, provider, phase="history", scale=scale, token=token, email=email)
    say("history: EXPLAIN (ANALYZE, BUFFERS) of each page's statements")
    found = plans(stack)
    stack.processes.stop(provider.proc)
    stack.standin_url = None
    pairs = _record(results, empty, history, load)
    shown = side_by_side(pairs)
    say(f"history: side by side\n{shown}")
    header = (f"{results.mode} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load}\n"
              f"{per_row}\n\n{shown}")
    write_plans(found, header)
    results.add("history", "history load (INSERT ... SELECT + VACUUM ANALYZE)",
                load["total_seconds"], "s", note=str(load["seconds"]))
    for name, value in per_row.items():
        results.add("history", f"{name} (table + indexes)", value, "B")
    results.details["history"] = {
        "load": load, "sizes_before": sizes_before, "sizes_after": sizes_after, **per_row,
        "empty": empty, "history": history, "plans": found,
        "plans_file": PLANS.name}
