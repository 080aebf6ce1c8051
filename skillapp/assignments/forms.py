from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from skillapp.assignments.models import TARGET_LABELS
from skillapp.assignments.services import NOTE_MAX
from skillapp.auth.forms import MultiCheckboxField
from skillapp.forms import Form
from skillapp.roster.bands import BAND_CODES, BAND_LABELS


class AssignmentForm(Form):
    """Choices of module and departments are filled in by the view from the
    database; whether the chosen ones exist is decided by the service."""

    module_id = SelectField(
        _l("Module or assessment"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(_l("Choose a published module or assessment."))],
    )
    target = RadioField(
        _l("Who it is for"),
        choices=[SelectChoice(code, label) for code, label in TARGET_LABELS.items()],
        default="everyone",
        validators=[InputRequired(_l("Choose who the assignment is for."))],
    )
    bands = MultiCheckboxField(
        _l("Job grades"), choices=[SelectChoice(code, BAND_LABELS[code]) for code in BAND_CODES]
    )
    departments = MultiCheckboxField(_l("Departments"), coerce=int, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[InputRequired(_l("Enter the due date."))])
    note = TextAreaField(
        _l("Note for learners (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 3},
    )
