"""What every form shares: text fields that trim spaces, and GOV.UK-style messages."""

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.text import clean_text


class FileOrPastedForm(FlaskForm):
    """An upload form that takes a file (the field named by `file_field`) or text pasted
    into `pasted`: one of the two, but not neither."""

    file_field = "file"
    missing = "Choose a file to upload, or paste its text"

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        uploaded = self[self.file_field]
        if not uploaded.data and not (self.pasted.data or "").strip():
            uploaded.errors.append(self.missing)
            return False
        return True


def strip_whitespace(value):
    """Treat text that is only spaces as empty, and drop spaces around the rest (and any
    characters no keyboard makes: see `clean_text`)."""
    return clean_text(value) if isinstance(value, str) else value


def text_field(label: str, max_length: int, required: str | None = None) -> StringField:
    """A one-line text field: required with the message `required`, or optional."""
    presence = DataRequired(message=required) if required else Optional()
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[presence, _no_longer_than(label, max_length), _on_one_line(label)],
    )


def password_field(label: str, required: str) -> PasswordField:
    """A password, taken exactly as typed (spaces can be part of one); the password rule is
    checked by the form, which knows whose password it is."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message=required),
            Length(max=1024, message=f"{label} must be 1024 characters or fewer"),
        ],
    )


def email_field(label: str, required: str | None = None) -> EmailField:
    """An email address field: required with the message `required`, or optional."""
    presence = DataRequired(message=required) if required else Optional()
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            presence,
            _no_longer_than("Email address", 254),
            _address_mail_can_reach,
        ],
    )


def _address_mail_can_reach(_form, field) -> None:
    """An email address mail can be sent to, stored as it will be sent: the domain in lower
    case (and in its ASCII form where it has other letters). Addresses whose part before the @
    has letters beyond ASCII are refused: many mail servers cannot take them."""
    if not field.data:
        return
    try:
        checked = validate_email(field.data, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        if "@" in field.data and not field.data.split("@")[0].isascii():
            raise ValidationError(
                "Enter an email address with only the letters a to z, digits and . _ - + "
                "before the @"
            ) from error
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.org"
        ) from error
    field.data = checked.ascii_email or checked.normalized


def _on_one_line(label: str):
    name = label.removesuffix(" (optional)")

    def check(_form, field) -> None:
        if field.data and ("\n" in field.data or "\r" in field.data):
            raise ValidationError(f"{name} must be on one line")

    return check


def _no_longer_than(label: str, max_length: int) -> Length:
    name = label.removesuffix(" (optional)")
    return Length(max=max_length, message=f"{name} must be {max_length} characters or fewer")
