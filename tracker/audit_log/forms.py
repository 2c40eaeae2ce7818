"""The audit log's filters: a GET form, so a filtered view can be bookmarked, paged through and
exported with the same address."""

import re
from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from tracker.actions.forms import GovDateTextInput
from tracker.audit_log.entries import ACTION_VERBS, RECORD_KINDS, record_kind_label
from tracker.audit_log.queries import SYSTEM_USER, AuditFilters
from tracker.forms import strip_whitespace

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ANY = ""


def _select(label: str, any_label: str) -> SelectField:
    return SelectField(
        label,
        widget=GovSelect(),
        default=ANY,
        validate_choice=False,
        choices=[SelectChoice(ANY, any_label)],
    )


def _date(label: str) -> StringField:
    return StringField(label, widget=GovDateTextInput(), filters=[strip_whitespace])


class AuditLogFilterForm(FlaskForm):
    class Meta:
        # Filtering only reads, and the address must work when bookmarked or shared.
        csrf = False

    plan = _select("Plan", "Any plan, or none")
    person = _select("Who made the change", "Anyone")
    record = _select("What was changed", "Anything")
    kind = _select("Kind of change", "Any kind")
    date_from = _date("From (optional)")
    date_to = _date("To, inclusive (optional)")

    def offer(
        self, plans: list[tuple[int, str]], people: list[tuple[int, str]], tables: list[str]
    ) -> None:
        """Offer the board's plans, the people who change its data and the kinds of record in
        its log. A kind of record asked for in the address stays on offer, so a bookmarked
        filter still reads "no changes" rather than an error."""
        self.plan.choices = [self.plan.choices[0]] + [
            SelectChoice(str(plan_id), title) for plan_id, title in plans
        ]
        self.person.choices = (
            [self.person.choices[0]]
            + [SelectChoice(str(user_id), name) for user_id, name in people]
            + [SelectChoice(SYSTEM_USER, "System (changes made with nobody signed in)")]
        )
        asked = self.record.data
        offered = sorted(
            {*tables, *([asked] if asked in RECORD_KINDS else [])}, key=record_kind_label
        )
        self.record.choices = [self.record.choices[0]] + [
            SelectChoice(table, record_kind_label(table)) for table in offered
        ]
        self.kind.choices = [self.kind.choices[0]] + [
            SelectChoice(action, verb) for action, verb in ACTION_VERBS.items()
        ]

    def validate_plan(self, field) -> None:
        _check_offered(field, "Select a plan from the list")

    def validate_person(self, field) -> None:
        _check_offered(field, "Select a person from the list")

    def validate_record(self, field) -> None:
        _check_offered(field, "Select what was changed from the list")

    def validate_kind(self, field) -> None:
        _check_offered(field, "Select a kind of change from the list")

    def validate_date_from(self, field) -> None:
        if field.data and _real_date(field.data) is None:
            raise ValidationError("Enter the from date as a real date, like 2023-01-31")

    def validate_date_to(self, field) -> None:
        if not field.data:
            return
        date_to = _real_date(field.data)
        if date_to is None:
            raise ValidationError("Enter the to date as a real date, like 2023-03-31")
        date_from = _real_date(self.date_from.data or "")
        if date_from is not None and date_to < date_from:
            raise ValidationError("The to date must be the same as or after the from date")

    def filters(self) -> AuditFilters:
        """The filters as chosen; call after the form has validated."""
        person = self.person.data or None
        return AuditFilters(
            plan_id=int(self.plan.data) if self.plan.data else None,
            user=int(person) if person and person != SYSTEM_USER else person,
            table=self.record.data or None,
            action=self.kind.data or None,
            date_from=_real_date(self.date_from.data or ""),
            date_to=_real_date(self.date_to.data or ""),
        )

    def chosen(self) -> dict[str, str]:
        """The filters as they appear in the address, leaving out those set to "any"."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if isinstance(field.data, str) and field.data
        }


def _check_offered(field, message: str) -> None:
    if (field.data or ANY) not in {choice.value for choice in field.choices}:
        raise ValidationError(message)


def _real_date(value: str) -> date | None:
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
