from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("File (CSV or Excel)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
    skip_invalid = BooleanField(_l("Skip invalid rows and import the valid ones"))


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = HiddenField()
