"""HR's forms for the indicators: a new indicator, an indicator's settings, a
new fiscal year of targets. The targets grid is built from data (its inputs are
named ``target-<indicator id>-<band>``) and posted with a CSRF-only form."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from skillapp.auth.forms import MultiCheckboxField
from skillapp.forms import Form
from skillapp.metrics.models import (
    ALL,
    ASSESSMENT_MEAN_SCORE,
    ASSESSMENT_PASS_RATE,
    SURVEY_SHARE,
    TRAINING_COUNT,
)
from skillapp.roster.bands import BAND_CODES, BAND_LABELS

KIND_LABELS = {
    ASSESSMENT_PASS_RATE: _l("Assessment pass rate (percent of the grade's staff)"),
    ASSESSMENT_MEAN_SCORE: _l("Assessment mean score (points, of those who took it)"),
    SURVEY_SHARE: _l("Survey share (percent of those who answered the question)"),
    TRAINING_COUNT: _l("Training participants (attendances in the fiscal year)"),
}


def band_choices():
    return [SelectChoice(code, BAND_LABELS[code]) for code in BAND_CODES] + [
        SelectChoice(ALL, _l("All staff"))
    ]


def split_categories(text: str | None) -> list[str]:
    """Categories typed one a line, or separated by commas or 「、」."""
    return [part.strip() for part in re.split(r"[\n,、，]", text or "") if part.strip()]


class IndicatorSettingsForm(Form):
    number = IntegerField(
        _l("Number (No.)"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=1, max=999)],
    )
    name = StringField(
        _l("Indicator name"), validators=[InputRequired(_l("Enter a name.")), Length(max=300)]
    )
    bands = MultiCheckboxField(_l("Job grades it is counted for"), choices=band_choices)
    assessment = SelectField(_l("Assessment counted"), validators=[Optional()])
    pass_mark = IntegerField(
        _l("Pass mark"), default=70, validators=[Optional(), NumberRange(min=1, max=100)]
    )
    categories = TextAreaField(_l("Training categories counted"), validators=[Length(max=2000)])


class NewIndicatorForm(IndicatorSettingsForm):
    code = StringField(_l("Code"), validators=[InputRequired(_l("Enter a code.")), Length(max=50)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(code, label) for code, label in KIND_LABELS.items()],
        validators=[InputRequired()],
    )


class NewYearForm(Form):
    fiscal_year = IntegerField(
        _l("Fiscal year"),
        validators=[
            InputRequired(_l("Enter a fiscal year.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year from 2000 to 2100.")),
        ],
    )
