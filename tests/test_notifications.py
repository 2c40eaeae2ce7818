"""Notifications of updates submitted, returned and approved, emailed to a real SMTP server as
each person chooses (at once, in a daily summary, or not at all), and "new since your last
visit" on the home page.

In the demo, Spencer Hunt (the champion's account) is board champion of recommendation 2, and
Paul Caswell (the administrator's account) is a champion of recommendation 5. Jobs run inline
(JOBS_STORAGE "immediate"), except in the test with a real worker.
"""

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import EMAIL_OF_ROLE, csrf_token, form_state, free_port, sign_in
from tests.test_jobs import WAIT_SECONDS, Worker
from tracker.audit import SYSTEM, Actor
from tracker.auth import accounts
from tracker.db import open_database
from tracker.notifications import choices, sending
from tracker.quarters import Quarter
from tracker.uk_time import day_in_words
from tracker.updates import workflow

BASE_URL = "https://tracker.example.org"
ADMINISTRATOR = EMAIL_OF_ROLE["administrator"]  # Paul Caswell, user 1
CHAMPION = EMAIL_OF_ROLE["champion"]  # Spencer Hunt, user 2
DEPUTY = "deputy@demo.example.org"
OTHER_BOARDS_ADMINISTRATOR = "other.admin@example.org"
PASSWORD = "lantern orchard pebble violin"
PLAN_TITLE = "North East Lincolnshire Youth Justice Services HMIP improvement plan 2022-2023"
QUARTER = "2022/23 Q4"
REASON = (
    "Say what the new panel has done since January, not what it plans to do.\n\n"
    "The board asked for the number of children seen each month, and for the outcome of the "
    "audit of out-of-court disposals that was due in February; the update gives neither, so "
    "please add both before the board meets."
)
MAIL_SETTINGS = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "Improvement plan tracker <tracker@example.org>",
    "BASE_URL": BASE_URL + "/",
}


@pytest.fixture
def mail_app(app, smtp):
    """The app emailing the test's SMTP server."""
    app.config.update(MAIL_SETTINGS, MAIL_PORT=smtp.port)
    return app


@pytest.fixture
def deputy(db) -> int:
    """A second administrator of the demo's board."""
    return accounts.create_user(
        db,
        email=DEPUTY,
        password=PASSWORD,
        name="Dee Deputy",
        board_id=1,
        role="administrator",
        actor=SYSTEM,
    )


@pytest.fixture
def other_board(db) -> int:
    """Another board, with its own administrator; returns that administrator's id."""
    board_id = db["boards"].insert({"name": "Another Partnership Board"}).last_pk
    return accounts.create_user(
        db,
        email=OTHER_BOARDS_ADMINISTRATOR,
        password=PASSWORD,
        name="Other Admin",
        board_id=board_id,
        role="administrator",
        actor=SYSTEM,
    )


def client_of(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def submit(client, recommendation_id: int, narrative: str = "Progress made") -> None:
    """Submit an update through the update form."""
    url = f"/recommendations/{recommendation_id}/update"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, url), **form_state(page)}
    data |= {"action": "submit", "status": "amber", "narrative": narrative}
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def review(client, recommendation_id: int, decision: str, note: str = "") -> None:
    """Approve or return the update from the recommendation's page."""
    url = f"/recommendations/{recommendation_id}"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, url), **form_state(page)}
    data |= {"decision": decision, "note": note}
    assert client.post(f"{url}/review", data=data).status_code == 302


def return_with_reason(client, recommendation_id: int, reason: str) -> None:
    """Return the update from the approvals inbox's return page."""
    url = f"/recommendations/{recommendation_id}/return"
    page = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|quarter|based_on)"[^>]*value="([^"]*)"', page))
    response = client.post(url, data={**fields, "reason": reason})
    assert response.status_code == 302
    assert response.headers["Location"] == "/approvals"


def choose(client, **choices) -> object:
    token = csrf_token(client, "/account/notifications")
    return client.post("/account/notifications", data={"csrf_token": token, **choices})


def to(smtp, address: str) -> list:
    return [message for message in smtp.received if message.rcpt_tos == [address]]


def rows_of(db, user_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM notifications WHERE user_id = ? ORDER BY id", [user_id]))


# ----- Who is emailed, at once --------------------------------------------------------------


def test_submitting_emails_each_administrator_of_the_board_but_not_the_author(
    mail_app, smtp, deputy, other_board, db
):
    submit(client_of(mail_app, CHAMPION), 2, "The new panel met twice")

    assert sorted(m.rcpt_tos[0] for m in smtp.received) == sorted([ADMINISTRATOR, DEPUTY])
    [message] = to(smtp, ADMINISTRATOR)
    assert message.message["Subject"].startswith(
        f"{QUARTER} update on recommendation 2 submitted: North East Lincolnshire"
    )
    assert message.message["Auto-Submitted"] == "auto-generated"
    assert "Dear Paul Caswell," in message.body
    assert f"Spencer Hunt submitted the {QUARTER} update on recommendation 2 of the" in (
        " ".join(message.body.split())
    )
    assert PLAN_TITLE in " ".join(message.body.split())
    assert "It is waiting for your approval." in message.body
    assert f"Read it, then approve it or return it: {BASE_URL}/recommendations/2" in message.body
    assert f"{BASE_URL}/account/notifications" in message.body
    assert f'href="{BASE_URL}/recommendations/2"' in message.html
    assert rows_of(db, other_board) == []
    assert [row["outcome"] for row in rows_of(db, 1)] == ["sent"]


def test_an_administrator_who_submits_is_not_told_of_their_own_update(mail_app, smtp, deputy, db):
    submit(client_of(mail_app, ADMINISTRATOR), 5)

    assert [m.rcpt_tos for m in smtp.received] == [[DEPUTY]]
    assert rows_of(db, 1) == []


def test_returning_emails_the_champion_the_reason_in_full_but_not_the_reviewer(
    mail_app, smtp, deputy, db
):
    submit(client_of(mail_app, CHAMPION), 2)
    smtp.received.clear()

    return_with_reason(client_of(mail_app, ADMINISTRATOR), 2, REASON)

    # The deputy neither champions nor wrote it; the administrator returned it.
    assert [m.rcpt_tos for m in smtp.received] == [[CHAMPION]]
    [message] = smtp.received
    assert message.message["Subject"].startswith(f"{QUARTER} update on recommendation 2 returned")
    assert "Paul Caswell returned the" in message.body
    assert REASON in message.body
    assert "Change the update and submit it again: " in message.body
    assert "The board asked for the number of children seen each month" in message.html


@pytest.mark.parametrize("how", ["from the recommendation", "from the approvals inbox"])
def test_approving_emails_the_champion(mail_app, smtp, db, how):
    submit(client_of(mail_app, CHAMPION), 2)
    smtp.received.clear()
    administrator = client_of(mail_app, ADMINISTRATOR)

    if how == "from the recommendation":
        review(administrator, 2, "approve", "Thank you: clear and complete.")
    else:
        update_id = workflow.latest_revision(db, 2, quarter_id(db))["id"]
        token = csrf_token(administrator, "/approvals")
        response = administrator.post(
            "/approvals", data={"csrf_token": token, "update": [str(update_id)]}
        )
        assert response.status_code == 302

    [message] = smtp.received
    assert message.rcpt_tos == [CHAMPION]
    assert message.message["Subject"].startswith(f"{QUARTER} update on recommendation 2 approved")
    assert "Paul Caswell approved the" in message.body
    if how == "from the recommendation":
        assert "Their note: Thank you: clear and complete." in message.body


def test_a_service_champion_who_did_not_write_it_is_told_too(mail_app, smtp, deputy, db):
    """The deputy champions recommendation 2 alongside Spencer Hunt, who submitted it."""
    person_id = db["people"].insert({"board_id": 1, "name": "Dee Deputy"}).last_pk
    db.execute("UPDATE memberships SET person_id = ? WHERE user_id = ?", [person_id, deputy])
    db["champions"].insert(
        {"recommendation_id": 2, "person_id": person_id, "kind": "service", "position": 9}
    )
    db.conn.commit()
    submit(client_of(mail_app, CHAMPION), 2)
    smtp.received.clear()

    review(client_of(mail_app, ADMINISTRATOR), 2, "approve")

    assert sorted(m.rcpt_tos[0] for m in smtp.received) == sorted([CHAMPION, DEPUTY])


def test_a_deactivated_administrator_is_not_told(mail_app, smtp, deputy, db):
    db.execute(
        "UPDATE memberships SET deactivated_at = '2023-01-01T00:00:00Z' WHERE user_id = ?", [deputy]
    )
    db.conn.commit()

    submit(client_of(mail_app, CHAMPION), 2)

    assert [m.rcpt_tos for m in smtp.received] == [[ADMINISTRATOR]]
    assert rows_of(db, deputy) == []


# ----- Each person's choice -----------------------------------------------------------------


def test_someone_who_chose_no_email_gets_none(mail_app, smtp, deputy, db):
    assert (
        choose(
            client_of(mail_app, ADMINISTRATOR),
            submitted="none",
            returned="immediate",
            approved="immediate",
        ).status_code
        == 302
    )

    submit(client_of(mail_app, CHAMPION), 2)

    assert [m.rcpt_tos for m in smtp.received] == [[DEPUTY]]
    # Recorded all the same, for the home page, as not to be sent.
    assert [(row["delivery"], row["outcome"]) for row in rows_of(db, 1)] == [("none", "not sent")]


def test_a_daily_summary_sends_nothing_at_once_and_one_summary_when_it_runs(mail_app, smtp, db):
    choose(
        client_of(mail_app, ADMINISTRATOR), submitted="digest", returned="digest", approved="digest"
    )
    champion = client_of(mail_app, CHAMPION)
    before = accounts.now() - timedelta(seconds=1)
    submit(champion, 2, "First")
    # Recommendation 1 is not his: the administrator gives him it to champion.
    db["champions"].insert({"recommendation_id": 1, "person_id": 3, "kind": "board", "position": 9})
    db.conn.commit()
    submit(champion, 1, "Second")
    assert smtp.received == []

    # A run before they were recorded finds nothing for the summary.
    assert sending.send_digests(db, mail_app.config, before).sent == 0
    tomorrow = accounts.now().replace(hour=7, minute=0) + timedelta(days=1)
    assert sending.send_digests(db, mail_app.config, tomorrow).sent == 1
    assert sending.send_digests(db, mail_app.config, tomorrow + timedelta(days=1)).sent == 0

    [summary] = smtp.received
    assert summary.rcpt_tos == [ADMINISTRATOR]
    assert summary.message["Subject"].startswith("Progress updates since your last summary: 2")
    assert "2 progress updates have changed since your last summary." in summary.body
    assert f"{BASE_URL}/recommendations/2" in summary.body
    assert f"{BASE_URL}/recommendations/1" in summary.body
    assert {row["outcome"] for row in rows_of(db, 1)} == {"sent"}


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (datetime(2026, 12, 2, 7, 0, tzinfo=UTC), True),  # 7am in winter
        (datetime(2026, 12, 2, 6, 0, tzinfo=UTC), False),
        (datetime(2026, 7, 1, 6, 0, tzinfo=UTC), True),  # 7am in summer time
        (datetime(2026, 7, 1, 7, 0, tzinfo=UTC), False),
    ],
)
def test_the_daily_summary_goes_at_seven_in_the_morning_uk_time(moment, due):
    assert sending.digest_due(moment) is due


# ----- Failures and retries -----------------------------------------------------------------


def test_a_mail_server_that_is_down_leaves_them_failed_with_the_error_and_a_retry_sends_them(
    mail_app, smtp, deputy, db
):
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    submit(client_of(mail_app, CHAMPION), 2)

    failed = [dict(row) for row in db.query("SELECT * FROM notifications ORDER BY id")]
    assert [(row["outcome"], row["attempts"]) for row in failed] == [("failed", 1), ("failed", 0)]
    assert "connection refused" in failed[0]["error"]
    assert failed[1]["error"] == sending.NOT_TRIED

    mail_app.config["MAIL_PORT"] = smtp.port
    result = mail_app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 emails." in result.output
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == sorted([ADMINISTRATOR, DEPUTY])
    again = mail_app.test_cli_runner().invoke(args=["send-notifications"])
    assert "Sent 0 emails." in again.output
    assert len(smtp.received) == 2


def test_a_refused_address_is_given_up_on_after_three_tries(mail_app, smtp, db):
    smtp.refuse = {ADMINISTRATOR}
    submit(client_of(mail_app, CHAMPION), 2)
    for _ in range(3):
        sending.send_waiting(db, mail_app.config)

    [row] = rows_of(db, 1)
    assert (row["outcome"], row["attempts"]) == ("failed", sending.MAX_ATTEMPTS)
    assert "refused the recipient head.of.service@demo.example.org (550" in row["error"]
    smtp.refuse = set()
    assert sending.send_waiting(db, mail_app.config).sent == 0


def test_two_senders_at_once_send_each_notification_once(mail_app, smtp, deputy, database_path):
    smtp.delay = 0.2  # a slow server, so the two runs overlap
    connection = open_database(database_path)
    for number in (1, 2, 5):
        submit_directly(connection, number)
    connection.close()

    def run() -> None:
        own = open_database(database_path)
        try:
            sending.send_waiting(own, mail_app.config)
        finally:
            own.close()

    senders = [threading.Thread(target=run) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    # Three updates, each to both administrators but Paul's own on recommendation 5.
    recipients = [m.rcpt_tos[0] for m in smtp.received]
    assert sorted(recipients) == sorted([ADMINISTRATOR, ADMINISTRATOR, DEPUTY, DEPUTY, DEPUTY])


def test_a_real_worker_sends_what_a_request_queued(app, smtp, db, database_path):
    app.config.update(MAIL_SETTINGS, MAIL_PORT=smtp.port, JOBS_STORAGE="", JOBS_RETRY_DELAY=0)
    worker = Worker(
        database_path,
        {
            "TRACKER_MAIL_SERVER": "127.0.0.1",
            "TRACKER_MAIL_PORT": str(smtp.port),
            "TRACKER_MAIL_FROM": MAIL_SETTINGS["MAIL_FROM"],
            "TRACKER_BASE_URL": BASE_URL,
        },
    )
    worker.start()
    try:
        submit(client_of(app, CHAMPION), 2)
        deadline = time.monotonic() + WAIT_SECONDS
        while not smtp.received:
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.1)
    finally:
        worker.stop()
    assert [m.rcpt_tos for m in smtp.received] == [[ADMINISTRATOR]]
    assert [row["outcome"] for row in rows_of(db, 1)] == ["sent"]


# ----- The choice page ----------------------------------------------------------------------


def test_each_person_is_asked_about_the_kinds_that_apply_to_their_role(signed_in):
    administrator = signed_in("administrator").get("/account/notifications").text
    champion = signed_in("champion").get("/account/notifications").text
    scrutiny = signed_in("scrutiny").get("/account/notifications").text

    for question in ("submits an update", "is returned to you", "is approved"):
        assert question in administrator
    assert "submits an update" not in champion
    assert "is returned to you" in champion
    assert 'type="radio"' not in scrutiny
    assert "You are not emailed about progress updates" in scrutiny
    # At once, until someone chooses otherwise.
    assert champion.count("checked") == 2
    assert 'value="immediate" checked' in re.sub(r"\s+", " ", champion)


def test_a_choice_is_saved_shown_and_audited(signed_in, db):
    client = signed_in("champion")
    response = choose(client, returned="digest", approved="none")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text

    assert "Your choices are saved." in page
    saved = dict(db.execute("SELECT kind, delivery FROM notification_choices WHERE user_id = 2"))
    assert saved == {"returned": "digest", "approved": "none"}
    logged = list(db.query("SELECT * FROM audit_log WHERE table_name = 'notification_choices'"))
    assert [(entry["action"], entry["user_id"]) for entry in logged] == [("insert", 2)] * 2
    assert '"delivery": "digest"' in logged[0]["after"]


@pytest.mark.parametrize(
    "sent",
    [
        {"returned": "weekly", "approved": "none"},
        {"returned": "<script>alert(1)</script>", "approved": "none"},
        {"returned": "", "approved": "none"},
        {"approved": "none"},
    ],
)
def test_a_bad_choice_is_refused_with_a_message_and_changes_nothing(signed_in, count_rows, sent):
    client = signed_in("champion")
    before = count_rows()

    response = choose(client, **sent)

    assert response.status_code == 400
    page = response.text
    assert "There is a problem" in page
    assert "Select how you want to be told when an update you wrote or champion is returned" in page
    assert "<script>alert(1)</script>" not in page
    assert count_rows() == before


def test_a_kind_that_does_not_apply_is_ignored(signed_in, db):
    """A champion is not told of submissions: sending a choice for them saves nothing."""
    choose(signed_in("champion"), submitted="none", returned="immediate", approved="digest")

    saved = dict(db.execute("SELECT kind, delivery FROM notification_choices WHERE user_id = 2"))
    assert saved == {"approved": "digest"}


def test_without_the_form_token_nothing_changes(signed_in, count_rows):
    client = signed_in("administrator")
    before = count_rows()
    response = client.post("/account/notifications", data={"submitted": "none"})
    assert response.status_code == 400
    assert count_rows() == before


def test_the_account_page_links_to_the_choices(signed_in):
    page = signed_in("champion").get("/account").text
    assert 'href="/account/notifications"' in page


# ----- New since your last visit ------------------------------------------------------------


def test_the_first_visit_shows_nothing_new(signed_in):
    page = signed_in("champion").get("/").text
    assert "since your last visit" not in page


def test_the_home_page_lists_what_happened_since_the_last_visit(app, db):
    client_of(app, ADMINISTRATOR)
    client_of(app, CHAMPION)
    submit(client_of(app, CHAMPION), 2, "Progress")

    administrator = client_of(app, ADMINISTRATOR)
    page = administrator.get("/").text
    today = day_in_words(accounts.timestamp(accounts.now()))
    assert f"New since your last visit on {today}: 1 change" in page
    assert (
        f'<a class="govuk-link" href="/recommendations/2">{QUARTER} update on recommendation 2'
        f" of {PLAN_TITLE} submitted for your approval by Spencer Hunt</a>"
    ) in page

    return_with_reason(administrator, 2, "Say more")
    page = client_of(app, CHAMPION).get("/").text
    assert "New since your last visit" in page
    assert f"{QUARTER} update on recommendation 2 of {PLAN_TITLE} returned by Paul Caswell" in page
    # The champion is not told of his own submission.
    assert "submitted for your approval" not in page


def test_nothing_new_says_so_with_the_day_of_the_last_visit(app):
    client_of(app, CHAMPION)
    page = client_of(app, CHAMPION).get("/").text
    today = day_in_words(accounts.timestamp(accounts.now()))
    assert f"Nothing new since your last visit on {today}." in page


def test_the_scrutiny_panel_sees_a_quarter_published_since_their_last_visit(app, db):
    client_of(app, EMAIL_OF_ROLE["scrutiny"])
    workflow.lock_quarter(db, 1, quarter_id(db), SYSTEM)

    page = client_of(app, EMAIL_OF_ROLE["scrutiny"]).get("/").text

    assert f'href="/plans/1/published">{QUARTER} of {PLAN_TITLE} published</a>' in page


# ----- Helpers that use the workflow directly -----------------------------------------------


def quarter_id(db) -> int:
    return workflow.ensure_quarter(db, 1, Quarter.parse(QUARTER), SYSTEM)


def submit_directly(db, recommendation_id: int) -> None:
    """A submitted update by the recommendation's champion (Paul Caswell's own on 5)."""
    author = 1 if recommendation_id == 5 else 2
    if recommendation_id == 1:
        db["champions"].insert(
            {"recommendation_id": 1, "person_id": 3, "kind": "board", "position": 9}
        )
    workflow.save_update(
        db,
        recommendation_id,
        quarter_id(db),
        {"narrative": "Progress", "status": "green"},
        0,
        True,
        Actor(author, 1),
    )


def test_the_choices_are_checked_again_where_they_are_saved(db):
    """Whatever reaches the database passes the same check as the form: the scrutiny panel
    member is told of nothing, and a delivery must be one of the three."""
    with pytest.raises(choices.ChoiceError, match="you are not told of updates submitted"):
        choices.save_choices(db, 3, {"submitted": "none"}, Actor(3, None))
    with pytest.raises(choices.ChoiceError, match="Choose an email at once"):
        choices.save_choices(db, 2, {"returned": "sometimes"}, Actor(2, None))
    assert db["notification_choices"].count == 0
