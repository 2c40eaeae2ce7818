"""Failed background jobs are shown until someone deals with them and dismisses them: a board's
administrator for the board's failures, an operator for the installation's (no board's). A
dismissal is audited; a failure of someone else's, or one that does not exist, is left alone
and the person is told so."""

import pytest

from tests.conftest import csrf_token, sign_in
from tracker.audit import Actor
from tracker.demo import DEMO_OPERATOR
from tracker.jobs.failures import dismiss_failure, recent_failures

PLAN = 1
DASHBOARD = f"/plans/{PLAN}/dashboard"
DISMISS = f"/plans/{PLAN}/dashboard/dismiss-failure"
OPERATOR_DISMISS = "/operator/dismiss-failure"
NOT_DISMISSED = "That failure is not one shown to you, or it was already dismissed."


@pytest.fixture
def failures(db) -> dict[str, int]:
    """A failure of the demo's board, one of another board and one of the whole installation."""
    other_board = db["boards"].insert({"name": "Another board"}).last_pk
    ids = {
        name: db["job_failures"]
        .insert({"task": "t", "description": description, "error": "Refused", "board_id": board})
        .last_pk
        for name, description, board in [
            ("ours", "Sending the scheduled reminders", 1),
            ("theirs", "Sending their reminders", other_board),
            ("installation", "Checking that background jobs run", None),
        ]
    }
    db.conn.commit()
    return ids


def seen(db, failure_id: int) -> str | None:
    return db.execute("SELECT seen_at FROM job_failures WHERE id = ?", [failure_id]).fetchone()[0]


def dismiss(client, url: str, page: str, failure_id) -> tuple[int, str]:
    """Press Dismiss with `failure_id` in the form; the status and the page landed on."""
    data = {"csrf_token": csrf_token(client, page), "failure_id": failure_id}
    response = client.post(url, data=data, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_an_administrator_dismisses_their_boards_failure_and_it_is_no_longer_shown(
    signed_in, db, failures
):
    client = signed_in("administrator")
    assert "Sending the scheduled reminders failed on " in client.get(DASHBOARD).text

    status, page = dismiss(client, DISMISS, DASHBOARD, failures["ours"])

    assert status == 200
    assert "Dismissed: that failure is no longer shown." in page
    assert "Sending the scheduled reminders failed on " not in page
    assert seen(db, failures["ours"])
    logged = db.execute(
        "SELECT user_id, board_id, action, before, after FROM audit_log"
        " WHERE table_name = 'job_failures' AND row_id = ?",
        [failures["ours"]],
    ).fetchall()
    assert len(logged) == 1
    user_id, board_id, action, before, after = logged[0]
    assert (user_id, board_id, action) == (1, 1, "update")
    assert '"seen_at": null' in before and '"seen_at": null' not in after
    audit_log = client.get("/boards/1/audit-log").get_data(as_text=True)
    assert "Changed a failed background job" in audit_log


@pytest.mark.parametrize("which", ["theirs", "installation", "unknown", "²", "9" * 5000, "-1"])
def test_an_administrator_cannot_dismiss_a_failure_not_shown_to_them(
    signed_in, db, failures, count_rows, which
):
    failure_id = failures.get(which, 999_999 if which == "unknown" else which)
    client = signed_in("administrator")
    before = count_rows()

    status, page = dismiss(client, DISMISS, DASHBOARD, failure_id)

    assert status == 200
    assert NOT_DISMISSED in page and "Nothing was changed." in page
    assert count_rows() == before
    assert [seen(db, failure) for failure in failures.values()] == [None, None, None]


def test_a_failure_is_dismissed_once(signed_in, db, failures, count_rows):
    client = signed_in("administrator")
    dismiss(client, DISMISS, DASHBOARD, failures["ours"])
    first_seen, before = seen(db, failures["ours"]), count_rows()

    _, page = dismiss(client, DISMISS, DASHBOARD, failures["ours"])

    assert NOT_DISMISSED in page
    assert seen(db, failures["ours"]) == first_seen
    assert count_rows() == before


def test_a_dismissal_without_the_forms_security_code_changes_nothing(
    signed_in, db, failures, count_rows
):
    client = signed_in("administrator")
    before = count_rows()

    response = client.post(DISMISS, data={"failure_id": failures["ours"]})

    assert response.status_code == 400
    assert count_rows() == before
    assert seen(db, failures["ours"]) is None


@pytest.mark.parametrize("role", ["champion", "scrutiny"])
def test_only_administrators_dismiss_a_boards_failures(signed_in, db, failures, role):
    client = signed_in(role)
    token = csrf_token(client, "/")

    response = client.post(DISMISS, data={"csrf_token": token, "failure_id": failures["ours"]})

    assert response.status_code == 403
    assert seen(db, failures["ours"]) is None


def test_an_operator_sees_and_dismisses_the_installations_failures_only(
    app, db, failures, count_rows
):
    client = app.test_client()
    assert sign_in(client, DEMO_OPERATOR[0]).status_code == 302
    page = client.get("/operator").text
    assert "Checking that background jobs run failed on " in page
    assert "Sending the scheduled reminders" not in page  # a board's, for its administrators
    before = count_rows()

    _, refused = dismiss(client, OPERATOR_DISMISS, "/operator", failures["ours"])
    assert NOT_DISMISSED in refused
    assert count_rows() == before
    _, page = dismiss(client, OPERATOR_DISMISS, "/operator", failures["installation"])

    assert "Dismissed: that failure is no longer shown." in page
    assert "Checking that background jobs run failed on " not in page
    assert seen(db, failures["installation"]) and seen(db, failures["ours"]) is None
    (actor,) = db.execute(
        "SELECT user_id, board_id FROM audit_log WHERE table_name = 'job_failures'"
    ).fetchall()
    assert actor == (4, None)


def test_an_administrator_cannot_use_the_operators_dismiss_button(signed_in, db, failures):
    client = signed_in("administrator")
    token = csrf_token(client, DASHBOARD)

    data = {"csrf_token": token, "failure_id": failures["installation"]}
    response = client.post(OPERATOR_DISMISS, data=data)

    assert response.status_code == 403
    assert seen(db, failures["installation"]) is None


def test_dismissed_failures_are_left_out_of_the_recent_ones(db, failures):
    assert dismiss_failure(db, failures["ours"], 1, Actor(1, 1))

    assert recent_failures(db, 1) == []
    assert not dismiss_failure(db, failures["theirs"], 1, Actor(1, 1))
    assert not dismiss_failure(db, failures["installation"], 1, Actor(1, 1))
