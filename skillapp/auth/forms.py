from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from skillapp.auth.roles import ROLE_LABELS
from skillapp.forms import Form


def _required(message):
    return DataRequired(message=message)


class LoginForm(Form):
    staff_no = StringField(
        _l("Staff number"),
        validators=[_required(_l("Enter your staff number.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "off"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[_required(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[_required(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[_required(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            _required(_l("Enter the new password again.")),
            EqualTo("new_password", message=_l("The passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(Form):
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("ja", "日本語"), SelectChoice("en", "English")]
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return [SelectChoice(code, label) for code, label in ROLE_LABELS.items() if code != "learner"]


class AccountForm(Form):
    staff_no = StringField(
        _l("Staff number"),
        validators=[_required(_l("Enter the staff number.")), Length(max=32)],
    )
    name = StringField(_l("Name"), validators=[Length(max=200)])
    department = StringField(_l("Department"), validators=[Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Length(max=100)])
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices)
    password = PasswordField(
        _l("First password"),
        validators=[_required(_l("Enter a first password."))],
        render_kw={"autocomplete": "new-password"},
    )


class RolesForm(Form):
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices)


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[_required(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    must_change = BooleanField(_l("Must change at next login"), default=True)
