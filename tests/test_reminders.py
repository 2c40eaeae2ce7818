"""Reminders of missing progress updates, sent by `flask send-reminders` to a real SMTP server.

The demo plan's current quarter (2022/23 Q4) has no updates yet, and its people have no
email addresses, so each test gives a few of them one. Spencer Hunt and Paul Caswell have
demo accounts, so they are reached through their account's address.
"""

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest

from tests.conftest import Received, SmtpServer, free_port, start_smtp_server
from tracker.mail import Recipient, one_line, single_address
from tracker.reminders import bp, due
from tracker.reminders.mail import reminder_messages
from tracker.reminders.schedule import MAX_OVERDUE_WEEKS, last_overdue_day, next_step, step_due

BASE_URL = "https://tracker.example.org"
DEADLINE = "2023-04-14"  # a Friday
BEFORE_DEADLINE = "2023-04-01"
ADMINISTRATOR = "head.of.service@demo.example.org"  # Paul Caswell's account
SPENCER = "board.champion@demo.example.org"  # Spencer Hunt's account; his person has no email
EMAILS = {
    "Paul Condon": "paul.condon@example.org",
    "Lynne Macpherson": "lynne.macpherson@example.org",
    "Zoe Grindle": "zoe.grindle@example.org",
}
# Everyone who champions a recommendation in the demo and has neither an email address
# nor an account, once EMAILS are set.
WITHOUT_EMAIL = {
    "Rachael Maeers",
    "Karen Linton",
    "Steve Ryder",
    "Rebecca Taylor",
    "Jo Lawson",
    "Donna Abernethie",
    "Supt Paul French",
    "Marie Anne Hall",
    "Gemma Woods",
    "Nick Hamilton Rudd",
}


def numbers(received: Received) -> list[int]:
    """The recommendation numbers a reminder or summary lists."""
    return [int(n) for n in re.findall(r"^Recommendation (\d+):", received.body, re.MULTILINE)]


def is_summary(received: Received) -> bool:
    return "progress updates:" in received.message["Subject"]


def champion_messages(smtp: SmtpServer) -> dict[str, list[int]]:
    """Recipient address -> the recommendation numbers in their reminder; fails if anyone had
    two reminders."""
    messages = [m for m in smtp.received if not is_summary(m)]
    recipients = [address for m in messages for address in m.rcpt_tos]
    assert len(recipients) == len(set(recipients)), recipients
    return {m.rcpt_tos[0]: numbers(m) for m in messages}


def summaries_in(smtp: SmtpServer) -> list[Received]:
    return [m for m in smtp.received if is_summary(m)]


@pytest.fixture
def mail_app(app, smtp):
    """The app sending mail to the test server, with the reminders command registered."""
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME="",
        MAIL_PASSWORD="",
        MAIL_FROM="Improvement plan tracker <tracker@example.org>",
        BASE_URL=BASE_URL + "/",  # a trailing slash must not double up in links
    )
    # create_app will register the blueprint itself once it is wired in.
    if "reminders" not in app.blueprints:
        app.register_blueprint(bp)
    return app


@pytest.fixture
def send_reminders(mail_app):
    """Run `flask send-reminders` with the given arguments."""
    runner = mail_app.test_cli_runner()
    return lambda *args: runner.invoke(args=["send-reminders", *args])


@pytest.fixture
def plan_id(db) -> int:
    return db.execute("SELECT id FROM plans").fetchone()[0]


@pytest.fixture
def demo(db, plan_id):
    """Changes to the demo data for a test (each one committed, as the command reads them
    over another connection)."""

    class Demo:
        def recommendation_id(self, number: int) -> int:
            return db.execute(
                "SELECT id FROM recommendations WHERE plan_id = ? AND number = ?",
                [plan_id, number],
            ).fetchone()[0]

        def person_id(self, name: str) -> int:
            return db.execute("SELECT id FROM people WHERE name = ?", [name]).fetchone()[0]

        def quarter_id(self) -> int:
            return db.execute(
                "SELECT quarters.id FROM quarters JOIN plans ON plans.id = quarters.plan_id"
                " AND quarters.label = plans.current_quarter WHERE plans.id = ?",
                [plan_id],
            ).fetchone()[0]

        def set_emails(self, emails: dict[str, str | None]) -> None:
            for name, email in emails.items():
                db["people"].update(self.person_id(name), {"email": email})

        def rename(self, name: str, new_name: str) -> None:
            db["people"].update(self.person_id(name), {"name": new_name})

        def set_quarter(self, **values) -> None:
            db["quarters"].update(self.quarter_id(), values)

        def add_revision(self, number: int, state: str, review_note: str = "") -> None:
            recommendation_id, quarter_id = self.recommendation_id(number), self.quarter_id()
            latest = db.execute(
                "SELECT coalesce(max(revision), 0) FROM progress_updates"
                " WHERE recommendation_id = ? AND quarter_id = ?",
                [recommendation_id, quarter_id],
            ).fetchone()[0]
            db["progress_updates"].insert(
                {
                    "recommendation_id": recommendation_id,
                    "quarter_id": quarter_id,
                    "revision": latest + 1,
                    "status": "amber",
                    "state": state,
                    "narrative": f"Progress on {number}",
                    "review_note": review_note,
                }
            )

        def add_administrator(self, email: str, name: str) -> None:
            board_id = db.execute("SELECT board_id FROM plans WHERE id = ?", [plan_id]).fetchone()
            user_id = (
                db["users"].insert({"email": email, "name": name, "password_hash": "x"}).last_pk
            )
            db["memberships"].insert(
                {"user_id": user_id, "board_id": board_id[0], "role": "administrator"}
            )

    return Demo()


@pytest.fixture
def with_deadline(demo):
    """The demo with some champions' addresses and a Q4 deadline."""
    demo.set_emails(EMAILS)
    demo.set_quarter(update_deadline=DEADLINE)
    return demo


def test_each_champion_with_an_address_gets_one_message_listing_exactly_their_recommendations(
    with_deadline, send_reminders, smtp
):
    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert champion_messages(smtp) == {
        EMAILS["Paul Condon"]: [1],
        EMAILS["Lynne Macpherson"]: [1, 8],
        SPENCER: [2],  # through his account: his person has no address
        ADMINISTRATOR: [5, 6, 8, 9],  # Paul Caswell champions these as well
        EMAILS["Zoe Grindle"]: [7, 10],
    }
    assert len(smtp.received) == 6  # and the administrator's summary
    assert "Sent 6 messages." in result.output
    assert result.output.count("Sent to ") == 6


def test_a_reminder_says_when_it_is_due_and_links_to_each_update_form(
    with_deadline, send_reminders, smtp, demo
):
    send_reminders("--today", BEFORE_DEADLINE)

    zoe = next(m for m in smtp.received if m.rcpt_tos == [EMAILS["Zoe Grindle"]])
    assert zoe.message["To"] == "Zoe Grindle <zoe.grindle@example.org>"
    assert zoe.message["From"] == "Improvement plan tracker <tracker@example.org>"
    assert zoe.mail_from == "tracker@example.org"
    assert zoe.message["Subject"] == "Your 2022/23 Q4 progress update is due by 14 April 2023"
    assert zoe.message["Auto-Submitted"] == "auto-generated"
    assert zoe.message["Message-ID"] and zoe.message["Date"]
    assert "due by Friday 14 April 2023" in zoe.body
    for number in (7, 10):
        link = f"{BASE_URL}/recommendations/{demo.recommendation_id(number)}/update"
        assert f"Write your update: {link}\n" in zoe.body
    assert "//recommendations" not in zoe.body
    assert "returned to you" not in zoe.body


def test_the_administrators_get_a_summary_naming_champions_without_an_address(
    with_deadline, send_reminders, smtp, demo, plan_id
):
    demo.add_administrator("second.admin@example.org", "Sam Second")

    send_reminders("--today", BEFORE_DEADLINE)

    summaries = summaries_in(smtp)
    assert sorted(m.rcpt_tos[0] for m in summaries) == [ADMINISTRATOR, "second.admin@example.org"]
    body = summaries[0].body
    assert summaries[0].message["Subject"] == (
        "2022/23 Q4 progress updates: 10 of 10 still due by 14 April 2023"
    )
    assert numbers(summaries[0]) == list(range(1, 11))
    assert "Not started: 10" in body
    assert "We have sent a reminder to 5 champions." in body
    assert f"{BASE_URL}/plans/{plan_id}/dashboard" in body
    for name in WITHOUT_EMAIL:
        assert f"{name} (no email address)" in body
    for name in [*EMAILS, "Spencer Hunt", "Paul Caswell"]:
        assert name in body
        assert f"{name} (no email" not in body
    # Each update is listed with all its champions, board champions first.
    assert "Champions: Spencer Hunt, Rachael Maeers (no email address)\n" in body
    assert "no deadline set" not in body
    # The scrutiny member is not an administrator.
    assert all("scrutiny" not in m.rcpt_tos[0] for m in smtp.received)


def test_submitted_and_approved_updates_are_not_reminded_and_returned_ones_carry_the_note(
    with_deadline, send_reminders, smtp, demo
):
    demo.add_revision(1, "submitted")
    demo.add_revision(7, "approved")
    demo.add_revision(2, "draft")
    demo.add_revision(10, "submitted")
    demo.add_revision(10, "returned", "Add the January figures for first-time entrants.")
    demo.add_revision(8, "returned", "Say what the therapist's waiting list is.")
    demo.add_revision(8, "submitted")  # the latest revision is what counts

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert champion_messages(smtp) == {
        # Paul Condon and Lynne Macpherson have nothing left to do.
        SPENCER: [2],
        ADMINISTRATOR: [5, 6, 9],
        EMAILS["Zoe Grindle"]: [10],
    }
    zoe = next(m for m in smtp.received if m.rcpt_tos == [EMAILS["Zoe Grindle"]])
    assert (
        "This update was returned to you: Add the January figures for first-time entrants."
        in zoe.body
    )
    assert "needs the changes asked for" in zoe.body
    spencer = next(m for m in smtp.received if m.rcpt_tos == [SPENCER])
    assert "You have started a draft but not submitted it." in spencer.body
    assert "returned" not in spencer.body
    (summary,) = summaries_in(smtp)
    assert numbers(summary) == [2, 3, 4, 5, 6, 9, 10]
    assert "7 of 10" in summary.message["Subject"]
    assert "Not started: 5\nDraft not submitted: 1\nReturned for changes: 1\n" in summary.body
    assert "Returned for changes: Add the January figures for first-time entrants." in summary.body


def test_missing_updates_reads_the_latest_revision_of_the_current_quarter_only(db, demo, plan_id):
    # The demo's Q3 updates are approved; Q4 has none, so every Q4 update is missing.
    assert [u.number for u in due.missing_updates(db, plan_id)] == list(range(1, 11))
    demo.add_revision(3, "approved")
    demo.add_revision(4, "returned", "Needs dates.")
    demo.add_revision(5, "draft")

    missing = {u.number: u for u in due.missing_updates(db, plan_id)}

    assert sorted(missing) == [1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert (missing[4].state, missing[4].review_note) == ("returned", "Needs dates.")
    assert (missing[5].state, missing[1].state) == ("draft", None)
    assert missing[1].quarter == "2022/23 Q4"
    assert [(c.name, c.email) for c in missing[2].champions] == [
        ("Spencer Hunt", SPENCER),  # no address of his own: his account's
        ("Rachael Maeers", None),
    ]
    assert missing[1].recommendation_id == demo.recommendation_id(1)


def test_reminders_carry_an_html_part_with_the_same_words_and_links(
    with_deadline, send_reminders, smtp, demo
):
    with_deadline.rename("Zoe Grindle", "Zoe <script>alert(1)</script> Grindle")

    send_reminders("--today", BEFORE_DEADLINE)

    zoe = next(m for m in smtp.received if m.rcpt_tos == [EMAILS["Zoe Grindle"]])
    assert zoe.message.get_content_type() == "multipart/alternative"
    assert "Dear Zoe <script>alert(1)</script> Grindle," in zoe.body
    assert "Dear Zoe &lt;script&gt;alert(1)&lt;/script&gt; Grindle," in zoe.html
    assert "<script" not in zoe.html
    assert "due by <strong>Friday 14 April 2023</strong>" in zoe.html
    for number in (7, 10):
        link = f"{BASE_URL}/recommendations/{demo.recommendation_id(number)}/update"
        assert re.search(f'<a href="{re.escape(link)}"[^>]*>{re.escape(link)}</a>', zoe.html)
    (summary,) = summaries_in(smtp)
    assert "Zoe &lt;script&gt;alert(1)&lt;/script&gt; Grindle" in summary.html
    assert f">{BASE_URL}/plans/" in summary.html
    assert all(m.html and "Improvement plan tracker</p>" in m.html for m in smtp.received)


def test_without_a_mail_server_reminders_are_written_to_the_mail_folder(
    with_deadline, send_reminders, mail_app, smtp, tmp_path
):
    mail_app.config.update(MAIL_SERVER="", MAIL_FOLDER=str(tmp_path / "mail"))

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    kept = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in (tmp_path / "mail").glob("*.eml")
    ]
    assert len(kept) == 6
    assert EMAILS["Zoe Grindle"] in {m["To"].addresses[0].addr_spec for m in kept}
    assert "Sent 6 messages." in result.output


def test_a_dry_run_prints_the_messages_and_sends_nothing(with_deadline, send_reminders, smtp):
    result = send_reminders("--dry-run", "--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert result.output.count("--- Message ") == 6
    assert "To: Paul Condon <paul.condon@example.org>\n" in result.output
    assert "Subject: Your 2022/23 Q4 progress update is due by 14 April 2023\n" in result.output
    assert f"To: Paul Caswell <{ADMINISTRATOR}>\nSubject: 2022/23 Q4 progress updates" in (
        result.output
    )
    assert f"{BASE_URL}/recommendations/" in result.output
    assert "Dry run: 6 messages would be sent. Nothing was sent." in result.output
    assert "Sent to" not in result.output


def test_a_dry_run_does_not_touch_the_mail_server(with_deadline, send_reminders, mail_app):
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listening

    result = send_reminders("--dry-run", "--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output


def test_nothing_is_sent_once_the_deadline_has_passed(with_deadline, send_reminders, smtp):
    result = send_reminders("--today", "2023-04-15")

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert "the update deadline for 2022/23 Q4 (2023-04-14) has passed" in result.output
    assert "Nothing to send." in result.output


def test_reminders_still_go_on_the_deadline_day(with_deadline, send_reminders, smtp):
    result = send_reminders("--today", DEADLINE)

    assert result.exit_code == 0, result.output
    assert len(smtp.received) == 6
    assert "due by Friday 14 April 2023 (today)" in smtp.received[0].body


def test_nothing_is_sent_for_a_closed_quarter(with_deadline, send_reminders, smtp, demo):
    demo.set_quarter(locked_at="2023-04-10T10:00:00Z")

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert "2022/23 Q4 is closed" in result.output


def test_without_a_deadline_reminders_go_and_the_summary_says_none_is_set(
    demo, send_reminders, smtp
):
    demo.set_emails(EMAILS)  # the demo quarter has no deadline

    result = send_reminders("--today", "2030-01-01")

    assert result.exit_code == 0, result.output
    assert "no deadline set" in result.output
    assert len(smtp.received) == 6
    (summary,) = summaries_in(smtp)
    assert "no deadline set" in summary.message["Subject"]
    assert "Deadline: no deadline set." in summary.body
    zoe = next(m for m in smtp.received if m.rcpt_tos == [EMAILS["Zoe Grindle"]])
    assert zoe.message["Subject"] == "Your 2022/23 Q4 progress update is due"
    assert "has not set a deadline" in zoe.body


def test_a_current_quarter_with_no_quarters_row_counts_as_no_deadline(
    demo, db, plan_id, send_reminders, smtp
):
    demo.set_emails(EMAILS)
    db["plans"].update(plan_id, {"current_quarter": "2023/24 Q1"})

    result = send_reminders("--today", "2023-06-01")

    assert result.exit_code == 0, result.output
    assert champion_messages(smtp)[EMAILS["Zoe Grindle"]] == [7, 10]
    (summary,) = summaries_in(smtp)
    assert summary.message["Subject"] == (
        "2023/24 Q1 progress updates: 10 of 10 still due, no deadline set"
    )


def test_a_persons_own_address_comes_before_their_accounts(with_deadline, send_reminders, smtp):
    with_deadline.set_emails({"Paul Caswell": "paul.caswell@example.org"})

    send_reminders("--today", BEFORE_DEADLINE)

    assert champion_messages(smtp)["paul.caswell@example.org"] == [5, 6, 8, 9]
    assert [m.rcpt_tos for m in summaries_in(smtp)] == [[ADMINISTRATOR]]  # the account's address


def test_a_recommendation_nobody_champions_is_flagged_to_the_administrator(
    with_deadline, db, send_reminders, smtp
):
    db.execute(
        "DELETE FROM champions WHERE recommendation_id = ?", [with_deadline.recommendation_id(4)]
    )
    db.conn.commit()

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert "No champion to remind for recommendation 4" in result.output
    (summary,) = summaries_in(smtp)
    assert "Recommendations with no champion" in summary.body
    assert "Champions: none" in summary.body


def test_a_name_with_a_line_break_cannot_add_a_header(with_deadline, send_reminders, smtp):
    with_deadline.rename("Paul Condon", "Paul Condon\r\nBcc: evil@example.com")
    with_deadline.rename("Zoe Grindle", "Zoe\nGrindle\u2028Cc: evil@example.com")

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert len(smtp.received) == 6
    for received in smtp.received:
        assert "evil@example.com" not in received.rcpt_tos
        assert received.message["Bcc"] is None and received.message["Cc"] is None
        assert not re.search(rb"^(Bcc|Cc):", received.raw, re.MULTILINE | re.IGNORECASE)
    paul = next(m for m in smtp.received if m.rcpt_tos == [EMAILS["Paul Condon"]])
    (address,) = paul.message["To"].addresses
    assert address.addr_spec == EMAILS["Paul Condon"]
    assert address.display_name == "Paul Condon Bcc: evil@example.com"
    assert "Dear Paul Condon Bcc: evil@example.com," in paul.body


def test_composing_cleans_names_whoever_built_the_recipient(with_deadline, db, plan_id):
    # `compose` is public: it must not rely on its caller having cleaned the names.
    reminders = due.reminders_for(db, plan_id, BASE_URL, date(2023, 4, 1))
    reminders = replace(
        reminders, summaries=(Recipient("Sam\r\nBcc: evil@example.com", "sam@example.org"),)
    )

    messages = reminder_messages(reminders, {"MAIL_FROM": "tracker@example.org"})
    (summary,) = [m for m in messages if "Sam" in m["To"]]

    assert summary["Bcc"] is None
    assert [a.addr_spec for a in summary["To"].addresses] == ["sam@example.org"]
    assert b"\nBcc:" not in summary.as_bytes()
    for bad in ("sam@example.org, evil@example.com", "Sam <sam@example.org>"):
        reminders = replace(reminders, summaries=(Recipient("Sam", bad),))
        with pytest.raises(ValueError, match="not a single valid email address"):
            reminder_messages(reminders, {"MAIL_FROM": "tracker@example.org"})


@pytest.mark.parametrize(
    "bad_address",
    [
        "paul.condon@example.org, evil@example.com",
        "paul.condon@example.org\r\nBcc: evil@example.com",
        "Paul <paul.condon@example.org>",
        "paul.condon@example.org evil@example.com",
        "not an address",
        "paul.condon@localhost",
    ],
)
def test_an_address_that_is_not_one_valid_address_is_never_used(
    with_deadline, send_reminders, smtp, bad_address
):
    with_deadline.set_emails({"Paul Condon": bad_address})

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert len(smtp.received) == 5
    recipients = [address for m in smtp.received for address in m.rcpt_tos]
    assert EMAILS["Paul Condon"] not in recipients
    assert "evil@example.com" not in recipients
    (summary,) = summaries_in(smtp)
    assert "Paul Condon (email address not valid): recommendation 1\n" in summary.body
    assert "Not reminded (email address not valid): Paul Condon" in result.output


def test_every_message_goes_over_one_connection(with_deadline, send_reminders, smtp):
    send_reminders("--today", BEFORE_DEADLINE)

    assert len(smtp.received) == 6
    assert len({m.peer for m in smtp.received}) == 1


def test_an_unreachable_mail_server_fails_with_a_clear_message(
    with_deadline, send_reminders, mail_app, smtp
):
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listening

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 1
    assert "Could not connect to the mail server at 127.0.0.1:" in result.stderr
    assert "0 of 6 messages had been sent before the failure" in result.stderr
    assert "Sent to" not in result.stdout


def test_a_refused_recipient_stops_sending_and_says_how_many_went(
    with_deadline, send_reminders, smtp
):
    # Reminders go in the order champions first appear: Paul Condon, Lynne Macpherson,
    # Spencer Hunt, Paul Caswell, Zoe Grindle; then the summary.
    smtp.refuse = {EMAILS["Zoe Grindle"]}

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 1
    assert len(smtp.received) == 4
    assert result.stdout.count("Sent to ") == 4
    assert "refused the recipient zoe.grindle@example.org (550" in result.stderr
    assert "4 of 6 messages had been sent before the failure" in result.stderr


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [({"MAIL_USE_TLS": True}, "STARTTLS"), ({"MAIL_USERNAME": "tracker"}, "AUTH")],
)
def test_tls_and_login_are_insisted_on_when_configured(
    with_deadline, send_reminders, mail_app, smtp, setting, complaint
):
    # The test server offers neither STARTTLS nor (without TLS) login, so asking for either
    # must stop before anything is sent rather than fall back to sending in the clear.
    mail_app.config.update(setting)

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 1
    assert complaint in result.stderr
    assert smtp.received == []


@pytest.fixture
def tls_smtp(tmp_path, monkeypatch):
    """An SMTP server offering STARTTLS with a self-signed certificate the client trusts,
    and requiring a login."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # what ssl.create_default_context trusts
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    collector = SmtpServer()
    controller = start_smtp_server(
        collector,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=collector.authenticate,
    )
    yield collector
    controller.stop()


def test_starttls_and_login_when_configured(with_deadline, mail_app, tls_smtp):
    mail_app.config.update(
        MAIL_PORT=tls_smtp.port,
        MAIL_USE_TLS=True,
        MAIL_USERNAME="tracker",
        MAIL_PASSWORD="mail-password",
    )

    result = mail_app.test_cli_runner().invoke(args=["send-reminders", "--today", BEFORE_DEADLINE])

    assert result.exit_code == 0, result.output
    assert len(tls_smtp.received) == 6
    assert tls_smtp.authenticated_as == [b"tracker"]


def test_a_wrong_password_is_reported(with_deadline, mail_app, tls_smtp):
    mail_app.config.update(
        MAIL_PORT=tls_smtp.port, MAIL_USE_TLS=True, MAIL_USERNAME="tracker", MAIL_PASSWORD="no"
    )

    result = mail_app.test_cli_runner().invoke(args=["send-reminders", "--today", BEFORE_DEADLINE])

    assert result.exit_code == 1
    assert "did not accept MAIL_USERNAME and MAIL_PASSWORD" in result.stderr
    assert tls_smtp.received == []


@pytest.mark.parametrize("today", ["2023-02-30", "14/04/2023", "tomorrow"])
def test_a_bad_today_is_refused(send_reminders, smtp, today):
    result = send_reminders("--today", today)

    assert result.exit_code == 2
    assert "Invalid value for '--today'" in result.output
    assert smtp.received == []


def test_an_unknown_plan_is_refused(send_reminders, smtp):
    result = send_reminders("999", "--today", BEFORE_DEADLINE)

    assert result.exit_code == 1
    assert "There is no plan with id 999." in result.stderr


def test_one_plan_can_be_chosen(with_deadline, send_reminders, smtp, plan_id):
    result = send_reminders(str(plan_id), "--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert f"Plan {plan_id}, North East Lincolnshire" in result.output
    assert len(smtp.received) == 6


def test_a_bad_mail_from_setting_is_refused(with_deadline, send_reminders, mail_app, smtp):
    mail_app.config["MAIL_FROM"] = "Improvement plan tracker"

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 1
    assert "MAIL_FROM" in result.stderr
    assert smtp.received == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paul Condon", "Paul Condon"),
        ("Paul\r\nBcc: evil@example.com", "Paul Bcc: evil@example.com"),
        ("  Zoe \t\x00 Grindle\u2028\u2029\x85 ", "Zoe Grindle"),
        ("Supt\x1b[31m Paul French", "Supt [31m Paul French"),
        ("", ""),
        (None, ""),
    ],
)
def test_one_line_leaves_no_line_breaks_or_control_characters(text, expected):
    assert one_line(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("paul.condon@example.org", "paul.condon@example.org"),
        ("  paul.condon@Example.ORG ", "paul.condon@example.org"),
        ("paul@bücher.example", "paul@xn--bcher-kva.example"),
        ("pául@example.org", None),  # a server without SMTPUTF8 would refuse it
        ("a@example.org,b@example.org", None),
        ("a@example.org;b@example.org", None),
        ('"a,b"@example.org', None),
        ("a@example.org\nBcc: b@example.org", None),
        ("Paul <paul.condon@example.org>", None),
        ("paul.condon", None),
        ("", None),
        (None, None),
    ],
)
def test_single_address_accepts_exactly_one_plain_address(value, expected):
    assert single_address(value) == expected


def test_running_the_command_twice_sends_nothing_new(with_deadline, send_reminders, smtp, db):
    send_reminders("--today", BEFORE_DEADLINE)
    again = send_reminders("--today", "2023-04-02")  # the same step of the schedule

    assert again.exit_code == 0, again.output
    assert "every reminder for this step (14-days-before) has been sent already" in again.output
    assert "Nothing to send." in again.output
    assert len(smtp.received) == 6
    rows = list(db.query("SELECT step, outcome, sent_by, sent_at FROM reminders_sent"))
    assert len(rows) == 6
    assert all(
        (r["step"], r["outcome"], r["sent_by"]) == ("14-days-before", "sent", "command")
        and r["sent_at"]
        for r in rows
    )


def test_after_a_refused_recipient_a_rerun_sends_only_what_did_not_go(
    with_deadline, send_reminders, smtp, db
):
    smtp.refuse = {EMAILS["Zoe Grindle"]}
    first = send_reminders("--today", BEFORE_DEADLINE)
    smtp.refuse = set()
    second = send_reminders("--today", BEFORE_DEADLINE)

    assert first.exit_code == 1
    assert second.exit_code == 0, second.output
    assert "4 messages sent before" in second.output
    recipients = [m.rcpt_tos[0] for m in smtp.received]
    # The summary first: what was tried least goes first.
    assert recipients[4:] == [ADMINISTRATOR, EMAILS["Zoe Grindle"]]
    assert len(recipients) == 6
    zoe = next(db.query("SELECT * FROM reminders_sent WHERE email = ?", [EMAILS["Zoe Grindle"]]))
    assert (zoe["outcome"], zoe["attempts"], zoe["error"]) == ("sent", 2, None)


def test_between_steps_nothing_is_sent_and_the_next_step_is_named(
    with_deadline, send_reminders, smtp
):
    result = send_reminders("--today", "2023-03-20")

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert (
        "no reminder is scheduled for today; the next reminder is on 31 March 2023"
        " (14-days-before)" in result.output
    )


def test_people_sharing_an_address_get_one_reminder_listing_all_their_recommendations(
    with_deadline, send_reminders, smtp
):
    with_deadline.set_emails({"Paul Condon": EMAILS["Zoe Grindle"]})  # a shared mailbox

    result = send_reminders("--today", BEFORE_DEADLINE)

    assert result.exit_code == 0, result.output
    assert champion_messages(smtp)[EMAILS["Zoe Grindle"]] == [1, 7, 10]
    assert len(smtp.received) == 5


# ----- Weekly overdue reminders stop in time ---------------------------------------------------

OVERDUE_DEADLINE = date(2023, 4, 14)  # a Friday, as DEADLINE


def test_weekly_overdue_reminders_stop_after_max_overdue_weeks():
    week = timedelta(weeks=1)
    last_week_starts = OVERDUE_DEADLINE + MAX_OVERDUE_WEEKS * week

    in_force = [
        step_due(OVERDUE_DEADLINE, (14, 3, 0), True, OVERDUE_DEADLINE + n * week).name
        for n in range(1, MAX_OVERDUE_WEEKS + 1)
    ]

    assert in_force == [f"overdue-week-{n}" for n in range(1, MAX_OVERDUE_WEEKS + 1)]
    # The last week's step stays in force for the rest of its week, then nothing more.
    assert step_due(OVERDUE_DEADLINE, (), True, last_week_starts + timedelta(days=6)) is not None
    assert step_due(OVERDUE_DEADLINE, (), True, last_week_starts + week) is None
    assert step_due(OVERDUE_DEADLINE, (), True, last_week_starts + 20 * week) is None
    assert next_step(OVERDUE_DEADLINE, (), True, last_week_starts) is None


def test_weekly_overdue_reminders_stop_once_the_board_meeting_has_passed():
    meeting = date(2023, 5, 3)  # a Wednesday, in the third week after the deadline

    assert step_due(OVERDUE_DEADLINE, (), True, date(2023, 4, 28), meeting).name == (
        "overdue-week-2"
    )
    # The day of the meeting: the week's step is still in force; the day after, nothing.
    assert step_due(OVERDUE_DEADLINE, (), True, meeting, meeting).name == "overdue-week-2"
    assert step_due(OVERDUE_DEADLINE, (), True, date(2023, 5, 4), meeting) is None
    assert step_due(OVERDUE_DEADLINE, (), True, date(2023, 5, 5), meeting) is None
    assert next_step(OVERDUE_DEADLINE, (), True, date(2023, 4, 28), meeting) is None
    # Without the meeting the third week would have been reminded.
    assert step_due(OVERDUE_DEADLINE, (), True, date(2023, 5, 5)).name == "overdue-week-3"


def test_the_last_overdue_day_is_the_meeting_or_the_end_of_the_last_week_whichever_is_sooner():
    end_of_last_week = OVERDUE_DEADLINE + timedelta(weeks=MAX_OVERDUE_WEEKS + 1, days=-1)

    assert last_overdue_day(OVERDUE_DEADLINE) == end_of_last_week
    assert last_overdue_day(OVERDUE_DEADLINE, date(2023, 5, 3)) == date(2023, 5, 3)
    assert last_overdue_day(OVERDUE_DEADLINE, date(2023, 9, 1)) == end_of_last_week


def test_after_the_last_overdue_week_the_command_sends_nothing_and_says_why(
    with_deadline, send_reminders, smtp
):
    last_week = send_reminders("--today", "2023-05-26")  # six weeks after the deadline
    after = send_reminders("--today", "2023-06-02")  # seven weeks after

    assert last_week.exit_code == 0, last_week.output
    assert len(smtp.received) == 6
    assert after.exit_code == 0, after.output
    assert len(smtp.received) == 6
    assert "weekly overdue reminders stopped after 1 June 2023" in after.output


def test_after_the_board_meeting_the_command_sends_nothing_and_says_why(
    with_deadline, send_reminders, smtp
):
    with_deadline.set_quarter(board_meeting_on="2023-05-03")

    result = send_reminders("--today", "2023-05-05")

    assert result.exit_code == 0, result.output
    assert smtp.received == []
    assert "weekly overdue reminders stopped after 3 May 2023" in result.output


def test_the_reminders_page_says_when_weekly_reminders_stop(with_deadline, signed_in, plan_id):
    with_deadline.set_quarter(board_meeting_on="2023-05-03")

    page = signed_in("administrator").get(f"/plans/{plan_id}/reminders").get_data(as_text=True)

    assert f"at most {MAX_OVERDUE_WEEKS} weeks after the deadline" in page
    assert "For 2022/23 Q4 the last one can go on Wednesday 3 May 2023." in page
