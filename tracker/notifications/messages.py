"""The emails of notifications: one at once for each (templates/emails/notification.*) or a
daily summary listing a person's waiting ones (templates/emails/notification_digest.*)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlite_utils import Database

from tracker.mail import Recipient, compose, long_date, one_line
from tracker.uk_time import in_words, uk_today

SUBJECT_NAME = 60  # characters of a plan's title in a subject line
# The page where each person chooses how they are told (tracker.notifications.views).
CHOICES_PATH = "/account/notifications"


@dataclass(frozen=True)
class Notice:
    """One notification with all an email says about it."""

    id: int
    kind: str
    user_id: int
    to_name: str
    to_email: str
    board_id: int
    board: str
    plan_id: int
    plan: str
    recommendation_id: int
    number: int | None
    recommendation: str
    quarter: str
    by: str  # who submitted or reviewed it
    review_note: str
    at: str  # when, in words (UK time)
    link: str

    @property
    def recommendation_name(self) -> str:
        return f"recommendation {self.number}" if self.number is not None else "a recommendation"

    @property
    def headline(self) -> str:
        """What happened, in a few words: "2022/23 Q4 update on recommendation 3 returned"."""
        return f"{self.quarter} update on {self.recommendation_name} {self.kind}"

    @property
    def what_happened(self) -> str:
        """What happened, in a sentence naming who, which update, plan and board."""
        by = one_line(self.by) or "Someone"
        update = (
            f"the {self.quarter} update on {self.recommendation_name} of the "
            f"{one_line(self.plan, 300)} ({one_line(self.board)})"
        )
        if self.kind == "submitted":
            return f"{by} submitted {update}. It is waiting for your approval."
        if self.kind == "returned":
            return f"{by} returned {update} to its champions, with this reason:"
        return f"{by} approved {update}."

    @property
    def what_to_do(self) -> str:
        """What the reader can do next, before the link."""
        return {
            "submitted": "Read it, then approve it or return it",
            "returned": "Change the update and submit it again",
            "approved": "Read the update",
        }[self.kind]


def notices(db: Database, ids: list[int], base_url: str) -> list[Notice]:
    """The notifications `ids`, in that order, with what their emails say."""
    if not ids:
        return []
    base_url = base_url.rstrip("/")
    rows = db.execute(
        f"""
        SELECT notifications.id, notifications.kind, notifications.user_id,
               recipient.name, recipient.email, plans.board_id, boards.name,
               plans.id, plans.title, recommendations.id, recommendations.number,
               recommendations.text, quarters.label, coalesce(author.name, ''),
               updates.review_note, updates.created_at
        FROM notifications
        JOIN users AS recipient ON recipient.id = notifications.user_id
        JOIN progress_updates AS updates ON updates.id = notifications.update_id
        JOIN recommendations ON recommendations.id = updates.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id
        JOIN boards ON boards.id = plans.board_id
        JOIN quarters ON quarters.id = updates.quarter_id
        LEFT JOIN users AS author ON author.id = updates.author_id
        WHERE notifications.id IN ({", ".join("?" for _ in ids)})
        """,  # noqa: S608 (placeholders only)
        ids,
    ).fetchall()
    by_id = {
        row[0]: Notice(*row[:15], in_words(row[15]), f"{base_url}/recommendations/{row[9]}")
        for row in rows
    }
    return [by_id[one] for one in ids if one in by_id]


def notice_message(notice: Notice, to: Recipient, config: Mapping) -> EmailMessage:
    """The email sent at once for one notification."""
    subject = f"{notice.headline}: {one_line(notice.plan, SUBJECT_NAME)}"
    context = {"n": notice, "name": to.name, "choices_link": _choices_link(config)}
    return compose("notification", to, subject, context, config)


def digest_message(
    notices_of_one: list[Notice], to: Recipient, now: datetime, config: Mapping
) -> EmailMessage:
    """The daily summary email listing one person's waiting notifications."""
    subject = (
        f"Progress updates since your last summary: {len(notices_of_one)} "
        f"{'change' if len(notices_of_one) == 1 else 'changes'} ({long_date(uk_today(now))})"
    )
    context = {"notices": notices_of_one, "name": to.name, "choices_link": _choices_link(config)}
    return compose("notification_digest", to, subject, context, config)


def _choices_link(config: Mapping) -> str:
    return f"{config['BASE_URL'].rstrip('/')}{CHOICES_PATH}"
