"""Closing a quarter through its confirmation page, and reopening the most recent closed one.

The demo plan's 2022/23 Q3 is closed and 2022/23 Q4 is its current quarter, with no update yet.
"""

import hashlib
import html
import http.client
import re
import threading
from datetime import date

import pytest
from markupsafe import escape
from werkzeug.serving import make_server

from tests.conftest import EMAIL_OF_ROLE, csrf_token, sign_in
from tracker.audit import Actor
from tracker.closing import queries, workflow
from tracker.uk_time import day_in_words
from tracker.updates import workflow as updates

CLOSE, REOPEN, QUARTER_PAGE = (
    "/plans/1/quarters/close",
    "/plans/1/quarters/reopen",
    "/plans/1/quarters",
)
Q3, Q4, NEXT = "2022/23 Q3", "2022/23 Q4", "2023/24 Q1"
ADMIN, CHAMPION = Actor(1, 1), Actor(2, 1)
REASON = "The board asked for recommendation 2's update to be corrected before publication."
CLOSED = (
    f"{Q4} is closed. {NEXT} is now open for updates: set its update deadline and board meeting "
    "date."
)
# What a request with a wrong quarter or closing must never change. Sessions note when they
# were last used, and sign-ins are recorded, whatever happens.
BOOKKEEPING = {"sessions", "sign_in_attempts"}


def close_form(token: str, quarter: str = Q4, closing: str = "1") -> dict:
    return {"csrf_token": token, "quarter": quarter, "closing": closing}


def reopen_form(token: str, reason: str = REASON, quarter: str = Q3, closing: str = "1") -> dict:
    return {"csrf_token": token, "quarter": quarter, "closing": closing, "reason": reason}


def quarters(db) -> list[tuple[str, bool]]:
    """The plan's quarters, oldest first, and whether each is closed."""
    rows = db.execute(
        "SELECT label, locked_at IS NOT NULL FROM quarters WHERE plan_id = 1 ORDER BY starts_on"
    )
    return [(label, bool(locked)) for label, locked in rows]


def current_quarter(db) -> str:
    return db["plans"].get(1)["current_quarter"]


def quarter_id(db, label: str) -> int:
    return queries.quarter_row(db, 1, label)["id"]


def everything(db) -> dict:
    """Every row of every table but the bookkeeping, to show that nothing changed."""
    return {
        table: db.execute(f"SELECT * FROM [{table}] ORDER BY rowid").fetchall()  # noqa: S608
        for table in db.table_names()
        if table not in BOOKKEEPING
    }


def messages(page: str) -> list[str]:
    """The notification banners' messages on a page."""
    found = re.findall(r'class="govuk-notification-banner__heading">\s*(.*?)\s*</', page, re.S)
    return [re.sub(r"\s+", " ", html.unescape(text)) for text in found]


def saved(db, recommendation_id: int, narrative: str, submit: bool, actor=CHAMPION) -> dict:
    return updates.save_update(
        db,
        recommendation_id,
        quarter_id(db, Q4),
        {"narrative": narrative, "status": "amber"},
        0,
        submit,
        actor,
    )


# The confirmation page


def test_the_confirmation_page_names_the_quarter_and_lists_what_is_left(signed_in, db):
    saved(db, 2, "Waiting for the head of service", submit=True)
    saved(db, 3, "Half written", submit=False)
    submitted = saved(db, 4, "Sent back", submit=True)
    updates.review_update(db, 4, quarter_id(db, Q4), False, "Add dates", 1, ADMIN)
    saved(db, 5, "Agreed", submit=True, actor=ADMIN)
    updates.review_update(db, 5, quarter_id(db, Q4), True, "", 1, ADMIN)
    admin = signed_in("administrator")
    before = everything(db)
    page = admin.get(CLOSE)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert re.search(rf"<title>Close {Q4}\? \W ", text)
    assert f'<h1 class="govuk-heading-l">Close {Q4}?</h1>' in text
    assert "6 with no update" in text
    assert "1 submitted but not approved" in text
    assert "2 drafts that will stay unsent" in text
    assert "Submitted by Spencer Hunt" in text and "Draft saved by Spencer Hunt" in text
    assert "Returned to its champions" in text and submitted["id"]
    assert (
        f"{NEXT} opens for updates" in text and "scrutiny panel sees its approved updates" in text
    )
    for number in (1, 2, 3, 4, 6, 7, 8, 9, 10):
        assert f'href="/recommendations/{number}"' in text
    assert 'href="/recommendations/5"' not in text  # approved: nothing left to do
    assert f'name="quarter" type="hidden" value="{Q4}"' in text
    assert 'name="closing" type="hidden" value="1"' in text
    assert f"Close {Q4} and open {NEXT}" in text
    assert everything(db) == before  # looking changes nothing


def test_a_quarter_with_nothing_left_says_so(signed_in, db):
    for number in range(1, 11):
        saved(db, number, "Done", submit=True, actor=ADMIN)
        updates.review_update(db, number, quarter_id(db, Q4), True, "", 1, ADMIN)
    page = signed_in("administrator").get(CLOSE).text
    assert f"Nothing: every recommendation has an approved update for {Q4}." in page


def test_the_quarters_page_links_to_the_confirmation_instead_of_closing_at_once(signed_in, db):
    admin = signed_in("administrator")
    page = admin.get(QUARTER_PAGE).text
    assert f'href="{CLOSE}"' in page and 'value="lock"' not in page
    # A close button from a page shown before the change goes to the confirmation page.
    token = csrf_token(admin, QUARTER_PAGE)
    before = everything(db)
    old = admin.post(QUARTER_PAGE, data={"csrf_token": token, "action": "lock", "quarter": Q4})
    assert old.status_code == 302 and old.headers["Location"] == CLOSE
    assert everything(db) == before


# Closing


def test_closing_takes_the_administrator_to_set_the_next_quarters_dates(signed_in, db):
    saved(db, 2, "Halfway", submit=True, actor=ADMIN)
    updates.review_update(db, 2, quarter_id(db, Q4), True, "", 1, ADMIN)
    admin = signed_in("administrator")
    response = admin.post(CLOSE, data=close_form(csrf_token(admin, CLOSE)))
    assert response.status_code == 302 and response.headers["Location"] == QUARTER_PAGE
    landed = admin.get(QUARTER_PAGE).text
    assert messages(landed) == [CLOSED]
    assert f'<h1 class="govuk-heading-l">{NEXT}</h1>' in landed
    assert 'name="update_deadline-day"' in landed
    assert quarters(db) == [(Q3, True), (Q4, True), (NEXT, False)]
    assert current_quarter(db) == NEXT
    closed = queries.quarter_row(db, 1, Q4)
    assert closed["locked_by"] == 1
    logged = db.execute(
        "SELECT table_name, action FROM audit_log WHERE user_id = 1 ORDER BY id DESC LIMIT 3"
    ).fetchall()
    assert sorted(logged) == [("plans", "update"), ("quarters", "insert"), ("quarters", "update")]


def test_a_double_submission_closes_one_quarter(signed_in, db):
    saved(db, 2, "Approved before the close", submit=True, actor=ADMIN)
    updates.review_update(db, 2, quarter_id(db, Q4), True, "", 1, ADMIN)
    revisions = db.execute("SELECT * FROM progress_updates ORDER BY id").fetchall()
    admin = signed_in("administrator")
    token = csrf_token(admin, CLOSE)
    first = admin.post(CLOSE, data=close_form(token))
    assert messages(admin.get(QUARTER_PAGE).text) == [CLOSED]
    after_first = everything(db)
    again = admin.post(CLOSE, data=close_form(token))
    assert (first.status_code, again.status_code) == (302, 302)
    assert again.headers["Location"] == QUARTER_PAGE
    assert messages(admin.get(QUARTER_PAGE).text) == [
        f"{Q4} is already closed, so nothing was changed."
    ]
    assert everything(db) == after_first
    assert quarters(db) == [(Q3, True), (Q4, True), (NEXT, False)]
    assert current_quarter(db) == NEXT
    assert db.execute("SELECT * FROM progress_updates ORDER BY id").fetchall() == revisions


def post_in_parallel(app, path: str, body: str, times: int = 6) -> list[tuple[int, str, str]]:
    """Send the same form `times` times at once from one signed-in session, over real HTTP to a
    threaded server; returns each answer's status, where it redirects and the message shown
    there."""
    app.config["TESTING"] = False  # errors answer 500, as in production
    admin = app.test_client()
    assert sign_in(admin, EMAIL_OF_ROLE["administrator"]).status_code == 302
    token = csrf_token(admin, path)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = admin.get_cookie(cookie_name).value
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers, start = [], threading.Barrier(times)

    def send():
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        start.wait()
        connection.request(
            "POST",
            path,
            f"csrf_token={token}&{body}",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{cookie_name}={cookie}",
            },
        )
        response = connection.getresponse()
        session = re.search(rf"{cookie_name}=([^;]+)", response.getheader("Set-Cookie") or "")
        answers.append((response.status, response.getheader("Location"), session))

    try:
        senders = [threading.Thread(target=send) for _ in range(times)]
        for one in senders:
            one.start()
        for one in senders:
            one.join(30)
    finally:
        server.shutdown()
    shown = []
    for status, location, session in answers:
        reader = app.test_client()
        reader.set_cookie(cookie_name, session[1] if session else cookie)
        page = reader.get(location).text if location else ""
        shown.append((status, location, " ".join(messages(page))))
    return shown


def test_parallel_submissions_close_exactly_one_quarter_and_none_fails(app, db):
    answers = post_in_parallel(app, CLOSE, "quarter=2022%2F23+Q4&closing=1")
    assert [(status, location) for status, location, _ in answers] == [(302, QUARTER_PAGE)] * 6
    said = sorted(message for _, _, message in answers)
    assert said == sorted([CLOSED] + [f"{Q4} is already closed, so nothing was changed."] * 5)
    assert quarters(db) == [(Q3, True), (Q4, True), (NEXT, False)]
    assert current_quarter(db) == NEXT
    locks = db.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'quarters' AND action = 'update'"
        " AND json_extract(after, '$.locked_at') IS NOT NULL AND user_id = 1"
    ).fetchone()[0]
    assert locks == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"quarter": Q3}, f"{Q3} is already closed, so nothing was changed."),
        (
            {"quarter": NEXT},
            f"That page was not for the plan's current quarter, {Q4}, so nothing was changed.",
        ),
        ({"closing": "2"}, f"{Q4} was closed and reopened after that page was shown"),
    ],
)
def test_a_form_for_another_quarter_or_closing_is_refused(signed_in, db, form, message):
    admin = signed_in("administrator")
    before = everything(db)
    response = admin.post(CLOSE, data=close_form(csrf_token(admin, CLOSE)) | form)
    assert response.status_code == 302
    assert messages(admin.get(QUARTER_PAGE).text)[0].startswith(message)
    assert everything(db) == before


HOSTILE_FIELDS = [
    {"quarter": "<script>alert(1)</script>"},
    {"quarter": "x" * 10_000},
    {"quarter": f"{Q4}\x00"},
    {"quarter": "\x01\x02\x1b[31m"},
    {"quarter": ""},
    {"quarter": None},
    {"quarter": ["2021/22 Q1", Q3, Q4]},  # sent three times
    {"closing": "<script>alert(1)</script>"},
    {"closing": "9" * 10_000},
    {"closing": "\u0661"},  # an Arabic-Indic one
    {"closing": "-1"},
    {"closing": None},
]


def with_fields(form: dict, changes: dict) -> dict:
    """The form with fields changed, or left out where the change is None."""
    changed = form | changes
    return {name: value for name, value in changed.items() if value is not None}


@pytest.mark.parametrize("changes", HOSTILE_FIELDS)
def test_hostile_or_broken_quarter_fields_close_nothing(signed_in, db, changes):
    admin = signed_in("administrator")
    before = everything(db)
    response = admin.post(CLOSE, data=with_fields(close_form(csrf_token(admin, CLOSE)), changes))
    assert response.status_code == 302
    landed = admin.get(QUARTER_PAGE).text
    assert "nothing was changed" in landed and "<script>alert(1)</script>" not in landed
    assert everything(db) == before


def test_a_plan_that_is_not_live_has_no_quarter_closed_or_reopened(signed_in, db):
    db["plans"].update(1, {"state": "closed"})
    admin = signed_in("administrator")
    assert "Only the quarters of a live plan can be closed." in admin.get(CLOSE).text
    assert "Only the quarters of a live plan can be reopened." in admin.get(REOPEN).text
    before = everything(db)
    token = csrf_token(admin, "/")
    admin.post(CLOSE, data=close_form(token))
    admin.post(REOPEN, data=reopen_form(token))
    assert everything(db) == before


# Reopening


def test_reopening_with_a_reason_opens_the_quarter_again_and_is_audited(signed_in, db):
    was = queries.quarter_row(db, 1, Q3)
    admin = signed_in("administrator")
    page = admin.get(REOPEN)
    assert page.status_code == 200 and f"Reopen {Q3}?" in page.text
    assert f"Reopen {Q3}" in admin.get(QUARTER_PAGE).text
    response = admin.post(REOPEN, data=reopen_form(csrf_token(admin, REOPEN)))
    assert response.status_code == 302 and response.headers["Location"] == QUARTER_PAGE
    landed = admin.get(QUARTER_PAGE).text
    assert messages(landed) == [
        f"{Q3} is open again, and your reason is recorded. Close it when its updates are right."
    ]
    assert f'<h1 class="govuk-heading-l">{Q3}</h1>' in landed
    # Q4 had opened with nothing in it: its row goes, and the audit log keeps it.
    assert quarters(db) == [(Q3, False)]
    assert current_quarter(db) == Q3
    assert queries.quarter_row(db, 1, Q3)["locked_by"] is None
    reopening = db.execute(
        "SELECT quarter_id, reason, reopened_by, was_locked_at, was_locked_by"
        " FROM quarter_reopenings"
    ).fetchall()
    assert reopening == [(was["id"], REASON, 1, was["locked_at"], None)]
    logged = db.execute(
        "SELECT table_name, action, row_id FROM audit_log WHERE user_id = 1 AND board_id = 1"
        " AND table_name != 'sessions' ORDER BY id DESC LIMIT 4"
    ).fetchall()
    assert sorted(logged) == sorted(
        [
            ("quarter_reopenings", "insert", 1),
            ("quarters", "update", was["id"]),
            ("plans", "update", 1),
            ("quarters", "delete", was["id"] + 1),
        ]
    )
    log = admin.get("/boards/1/audit-log?plan=1").text
    assert "Added a reopening of a quarter" in log and "corrected before publication" in log
    # It is the quarter champions report on again, and the scrutiny panel no longer sees it.
    page = signed_in("champion").get("/recommendations/2").text
    assert f"This quarter: {Q3}" in page
    assert signed_in("scrutiny").get("/plans/1/published").status_code == 200
    assert Q3 not in signed_in("scrutiny").get("/plans/1/pack").text.split("Packs kept")[0]


def test_reopening_needs_a_reason_of_at_most_2000_characters(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, REOPEN)
    before = everything(db)
    for reason, problem in (
        ("", "Enter why the quarter is being reopened"),
        ("   \n\t ", "Enter why the quarter is being reopened"),
        ("\x00\x01\x02", "Enter why the quarter is being reopened"),
        ("x" * 2001, "The reason must be 2,000 characters or fewer"),
        ("x" * 10_000, "The reason must be 2,000 characters or fewer"),
    ):
        refused = admin.post(REOPEN, data=reopen_form(token, reason))
        assert refused.status_code == 400, reason[:10]
        assert "<title>Error: " in refused.text and problem in refused.text
        assert 'class="govuk-error-summary' in refused.text
    assert everything(db) == before


def test_a_reason_is_kept_as_typed_and_shown_as_text(signed_in, db):
    admin = signed_in("administrator")
    reason = "<script>alert(1)</script> =SUM(A1) \u202e\U0001f4a9"
    assert (
        admin.post(REOPEN, data=reopen_form(csrf_token(admin, REOPEN), reason)).status_code == 302
    )
    assert db.execute("SELECT reason FROM quarter_reopenings").fetchone()[0] == reason
    log = admin.get("/boards/1/audit-log").text
    assert (
        "<script>alert(1)</script>" not in log and str(escape("<script>alert(1)</script>")) in log
    )


def test_reopening_is_refused_once_the_next_quarter_has_a_saved_update(signed_in, db):
    saved(db, 3, "A draft counts", submit=False)
    admin = signed_in("administrator")
    page = admin.get(REOPEN).text
    assert f"{Q3} cannot be reopened: {Q4} already has 1 saved update (drafts count too)." in page
    assert 'name="reason"' not in page
    assert f'href="{REOPEN}"' not in admin.get(QUARTER_PAGE).text
    before = everything(db)
    response = admin.post(REOPEN, data=reopen_form(csrf_token(admin, QUARTER_PAGE)))
    assert response.status_code == 302
    assert "already has 1 saved update" in messages(admin.get(QUARTER_PAGE).text)[0]
    assert everything(db) == before


def test_only_the_most_recent_closed_quarter_can_be_reopened(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, REOPEN)
    assert admin.post(CLOSE, data=close_form(token)).status_code == 302
    assert messages(admin.get(QUARTER_PAGE).text) == [CLOSED]
    before = everything(db)
    admin.post(REOPEN, data=reopen_form(token))  # the page for Q3, sent after Q4 closed
    assert messages(admin.get(QUARTER_PAGE).text) == [
        f"Only the most recent closed quarter, {Q4}, can be reopened, so nothing was changed."
    ]
    assert everything(db) == before
    assert f"Reopen {Q4}?" in admin.get(REOPEN).text


def test_reopening_twice_from_the_same_page_reopens_once(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, REOPEN)
    assert admin.post(REOPEN, data=reopen_form(token)).status_code == 302
    assert len(messages(admin.get(QUARTER_PAGE).text)) == 1
    after_first = everything(db)
    again = admin.post(REOPEN, data=reopen_form(token))
    assert again.status_code == 302
    assert messages(admin.get(QUARTER_PAGE).text) == [
        f"{Q3} is open already, so nothing was changed."
    ]
    assert everything(db) == after_first
    assert db["quarter_reopenings"].count == 1


def test_parallel_reopenings_reopen_once_and_none_fails(app, db):
    answers = post_in_parallel(app, REOPEN, "quarter=2022%2F23+Q3&closing=1&reason=Corrections")
    assert [(status, location) for status, location, _ in answers] == [(302, QUARTER_PAGE)] * 6
    said = sorted(message for _, _, message in answers)
    reopened = (
        f"{Q3} is open again, and your reason is recorded. Close it when its updates are right."
    )
    assert said == sorted([reopened] + [f"{Q3} is open already, so nothing was changed."] * 5)
    assert db["quarter_reopenings"].count == 1
    assert quarters(db) == [(Q3, False)] and current_quarter(db) == Q3


@pytest.mark.parametrize("changes", HOSTILE_FIELDS)
def test_hostile_or_broken_quarter_fields_reopen_nothing(signed_in, db, changes):
    admin = signed_in("administrator")
    before = everything(db)
    response = admin.post(REOPEN, data=with_fields(reopen_form(csrf_token(admin, REOPEN)), changes))
    assert response.status_code == 302
    landed = admin.get(QUARTER_PAGE).text
    assert "nothing was changed" in landed and "<script>alert(1)</script>" not in landed
    assert everything(db) == before


def test_a_close_form_from_before_a_reopening_does_not_close_the_quarter_again(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, CLOSE)
    assert admin.post(CLOSE, data=close_form(token)).status_code == 302
    assert admin.post(REOPEN, data=reopen_form(token, quarter=Q4)).status_code == 302
    assert quarters(db) == [(Q3, True), (Q4, False)]
    before = everything(db)
    admin.post(CLOSE, data=close_form(token))  # the first close's page, sent again
    assert "was closed and reopened after that page was shown" in admin.get(QUARTER_PAGE).text
    assert everything(db) == before
    assert 'name="closing" type="hidden" value="2"' in admin.get(CLOSE).text
    assert admin.post(CLOSE, data=close_form(token, closing="2")).status_code == 302
    assert quarters(db) == [(Q3, True), (Q4, True), (NEXT, False)]


def test_the_next_quarter_keeps_its_row_when_its_dates_were_set(signed_in, db):
    admin = signed_in("administrator")
    token = csrf_token(admin, CLOSE)
    admin.post(CLOSE, data=close_form(token))
    dates = {
        "update_deadline-day": "9",
        "update_deadline-month": "6",
        "update_deadline-year": "2023",
        "board_meeting_on-day": "23",
        "board_meeting_on-month": "6",
        "board_meeting_on-year": "2023",
    }
    admin.post(QUARTER_PAGE, data={"csrf_token": token, "action": "dates", "quarter": NEXT} | dates)
    kept = queries.quarter_row(db, 1, NEXT)
    assert kept["update_deadline"] == "2023-06-09"
    admin.post(REOPEN, data=reopen_form(token, quarter=Q4))
    assert quarters(db) == [(Q3, True), (Q4, False), (NEXT, False)] and current_quarter(db) == Q4
    admin.post(CLOSE, data=close_form(token, closing="2"))
    assert current_quarter(db) == NEXT
    assert queries.quarter_row(db, 1, NEXT) == kept  # the same row, dates and all


def test_the_domain_refuses_a_reason_that_is_blank_or_too_long(db):
    for reason in ("", "  ", "x" * 2001):
        with pytest.raises(workflow.ClosingError):
            workflow.reopen_quarter(db, 1, Q3, 1, reason, ADMIN)
    assert db["quarter_reopenings"].count == 0


# Kept packs


def test_a_pack_kept_before_a_reopening_stays_byte_for_byte_and_is_marked_superseded(signed_in, db):
    admin = signed_in("administrator")
    first = admin.get(f"/plans/1/pack/download?quarter={Q3}&version=board")
    scrutiny_first = admin.get(f"/plans/1/pack/download?quarter={Q3}&version=scrutiny")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    kept_before = db.execute("SELECT * FROM packs ORDER BY id").fetchall()
    assert [(row["closing"], row["version"]) for row in db["packs"].rows] == [
        (1, "board"),
        (1, "scrutiny"),
    ]

    token = csrf_token(admin, REOPEN)
    assert admin.post(REOPEN, data=reopen_form(token)).status_code == 302
    assert db.execute("SELECT * FROM packs ORDER BY id").fetchall() == kept_before
    page = admin.get("/plans/1/pack").text
    reopened_on = day_in_words(db["quarter_reopenings"].get(1)["reopened_at"])
    superseded = f"Superseded: the quarter was reopened on {reopened_on}"
    assert page.count(superseded) == 2
    assert f"on {date.today().day} " in superseded  # a day in words, like 2 December 2026
    board_id, scrutiny_id = (row["id"] for row in db["packs"].rows)
    again = admin.get(f"/plans/1/pack/kept?pack={board_id}")
    assert (
        again.data == first.data
        and again.headers["ETag"].strip('"') == hashlib.sha256(first.data).hexdigest()
    )
    assert 'filename="board-pack-2022-23-q3.pdf"' in again.headers["Content-Disposition"]
    # The panel keeps the copy it had, and only its own version.
    panel = signed_in("scrutiny")
    assert panel.get(f"/plans/1/pack/kept?pack={scrutiny_id}").data == scrutiny_first.data
    assert panel.get(f"/plans/1/pack/kept?pack={board_id}").status_code == 404
    assert superseded in panel.get("/plans/1/pack").text
    for bad in ("", "0", "99", "<script>", "1" * 50):
        assert admin.get(f"/plans/1/pack/kept?pack={bad}").status_code == 404
    # While the quarter is open its pack is made afresh and not kept.
    fresh = admin.get(f"/plans/1/pack/download?quarter={Q3}&version=board")
    assert fresh.status_code == 200 and db["packs"].count == 2

    admin.post(CLOSE, data=close_form(token, quarter=Q3, closing="2"))
    assert quarters(db) == [(Q3, True), (Q4, False)]
    second = admin.get(f"/plans/1/pack/download?quarter={Q3}&version=board")
    assert second.status_code == 200
    assert 'filename="board-pack-2022-23-q3-closing-2.pdf"' in second.headers["Content-Disposition"]
    rows = db.execute("SELECT closing, version, sha256 FROM packs ORDER BY id").fetchall()
    assert rows[:2] == [
        (1, "board", hashlib.sha256(first.data).hexdigest()),
        (1, "scrutiny", hashlib.sha256(scrutiny_first.data).hexdigest()),
    ]
    assert rows[2] == (2, "board", hashlib.sha256(second.data).hexdigest())
    assert admin.get(f"/plans/1/pack/download?quarter={Q3}&version=board").data == second.data
    assert admin.get(f"/plans/1/pack/kept?pack={board_id}").data == first.data
    page = admin.get("/plans/1/pack").text
    assert page.count(superseded) == 2  # the new pack is not superseded
