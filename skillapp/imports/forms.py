from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from skillapp.forms import Form


class ImportUploadForm(Form):
    file = FileField(
        _l("File (CSV or Excel)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
    skip_invalid = BooleanField(_l("Skip invalid rows and import the valid ones"))


class ImportConfirmForm(Form):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = HiddenField()
