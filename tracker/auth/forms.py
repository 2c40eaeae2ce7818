"""Forms for signing in, choosing and changing passwords, and two-factor sign-in."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.auth.passwords import password_problem
from tracker.forms import email_field, password_field, strip_whitespace


class SignInForm(FlaskForm):
    email = email_field("Email address", required="Enter your email address")
    password = password_field("Password", required="Enter your password")
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    """Choosing a password for the account with `email`: the password rule, said on the page."""

    password = password_field("Create a password", required="Enter a password")
    confirm = password_field(
        "Confirm your password", required="Enter the password again to confirm it"
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", email=self.email)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field) -> None:
        if self.password.data and field.data != self.password.data:
            raise ValidationError("The passwords do not match: enter the same password twice")


class ChangePasswordForm(NewPasswordForm):
    current = password_field("Current password", required="Enter your current password")
    password = password_field("New password", required="Enter a new password")
    confirm = password_field("Confirm your new password", required="Enter the new password again")


class ForgottenPasswordForm(FlaskForm):
    email = email_field("Email address", required="Enter your email address")
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    """A code from the authenticator app, or one of the recovery codes."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the code"),
            Length(max=40, message="Enter the 6-digit code from your app, or a recovery code"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only its CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
