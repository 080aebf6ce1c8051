from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField
from wtforms.validators import DataRequired, Optional

from skillapp.forms import Form


class RosterUploadForm(Form):
    file = FileField(
        _l("Roster file (CSV or Excel)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
    as_of = DateField(_l("Effective from"), validators=[Optional()])
    deactivate_missing = BooleanField(_l("People missing from the file leave (become inactive)"))
    skip_invalid = BooleanField(_l("Skip invalid rows and import the valid ones"))


class RosterConfirmForm(Form):
    token = HiddenField(validators=[DataRequired()])
    as_of = HiddenField(validators=[DataRequired()])
    deactivate_missing = HiddenField()
    skip_invalid = HiddenField()
