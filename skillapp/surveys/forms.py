"""The survey upload form, the hidden fields carried from step to step, and the
column mapping as the browser edits it (``MappingState``)."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired

from skillapp.forms import Form
from skillapp.roster.bands import BAND_CODES
from skillapp.surveys.importing import SurveyFile


class SurveyUploadForm(Form):
    fiscal_year = SelectField(_l("Fiscal year of the survey"), coerce=int)
    file = FileField(
        _l("Survey answers (CSV or Excel)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file.")),
        ],
        render_kw={"accept": ".csv,.xlsx"},
    )
    mapping_file = FileField(
        _l("Column mapping (MAP.yaml, optional)"),
        validators=[FileAllowed(["yaml", "yml"], _l("Use a .yaml file."))],
        render_kw={"accept": ".yaml,.yml"},
    )
    skip_invalid = BooleanField(_l("Skip invalid rows and import the valid ones"))


class SurveyStepForm(Form):
    """What the mapping form and the preview carry to the next step."""

    token = HiddenField(validators=[DataRequired()])
    fiscal_year = HiddenField(validators=[DataRequired()])
    skip_invalid = HiddenField()
    mapping = HiddenField()  # JSON, once the mapping has been checked

    @property
    def year(self) -> int | None:
        try:
            year = int(self.fiscal_year.data)
        except (TypeError, ValueError):
            return None
        return year if 2000 <= year <= 2100 else None


def _index(value, pool: set[int]) -> int | None:
    try:
        index = int(value)
    except (TypeError, ValueError):
        return None
    return index if index in pool else None


@dataclass
class MappingState:
    """The mapping form's choices, by column position in the file.

    Answers are kept for every choice column, not only the chosen one, so that
    switching columns (with or without JavaScript) loses nothing; only the
    chosen column's answers go into the mapping.
    """

    staff_col: int | None = None
    grade_col: int | None = None
    bands: dict[tuple[int, str], str] = field(default_factory=dict)  # absent: not counted
    questions: dict[str, int | None] = field(default_factory=dict)
    positives: dict[tuple[str, int], set[str]] = field(default_factory=dict)

    @staticmethod
    def columns(survey: SurveyFile) -> list[tuple[int, str]]:
        return [(i, h) for i, h in enumerate(survey.headers) if h]

    @staticmethod
    def choice_columns(survey: SurveyFile) -> list[tuple[int, str, list[str]]]:
        choices = survey.choices()
        return [(i, h, choices[h]) for i, h in enumerate(survey.headers) if h in choices]

    @classmethod
    def from_mapping(cls, survey: SurveyFile, mapping: dict | None, codes) -> "MappingState":
        """Start from a saved mapping, keeping what still fits this file."""
        mapping = mapping or {}
        choice = {i: answers for i, _h, answers in cls.choice_columns(survey)}

        def column(name, pool):
            index = survey.column(name) if name else None
            return index if index in pool else None

        state = cls(
            staff_col=column(mapping.get("staff_no_column"), {i for i, _ in cls.columns(survey)}),
            grade_col=column(mapping.get("grade_column"), set(choice)),
        )
        grade_values = mapping.get("grade_values") or {}
        # An answer's band applies in whichever column it appears: a renamed
        # grade question keeps its answers' bands.
        for index, answers in choice.items():
            for answer in answers:
                if grade_values.get(answer) in BAND_CODES:
                    state.bands[(index, answer)] = grade_values[answer]
        specs = mapping.get("indicators") or {}
        for code in codes:
            spec = specs.get(code) or {}
            index = column(spec.get("column"), set(choice))
            state.questions[code] = index
            if index is not None:
                state.positives[(code, index)] = set(spec.get("positive") or []) & set(
                    choice[index]
                )
        return state

    @classmethod
    def from_form(cls, survey: SurveyFile, form, codes) -> "MappingState":
        """The state as the mapping form was submitted."""
        choice = {i: answers for i, _h, answers in cls.choice_columns(survey)}
        state = cls(
            staff_col=_index(form.get("staff_no_column"), {i for i, _ in cls.columns(survey)}),
            grade_col=_index(form.get("grade_column"), set(choice)),
        )
        for index, answers in choice.items():
            for n, answer in enumerate(answers):
                band = form.get(f"band-{index}-{n}")
                if band in BAND_CODES:
                    state.bands[(index, answer)] = band
        for code in codes:
            state.questions[code] = _index(form.get(f"question-{code}"), set(choice))
            for index, answers in choice.items():
                ticked = set(form.getlist(f"positive-{code}-{index}")) & set(answers)
                if ticked:
                    state.positives[(code, index)] = ticked
        return state

    def to_mapping(self, survey: SurveyFile) -> dict:
        """The mapping (the MAP.yaml of docs/cli-and-files.md) these choices make."""
        headers = survey.headers
        choice = {i: answers for i, _h, answers in self.choice_columns(survey)}
        grade_values = {}
        if self.grade_col is not None:
            for answer in choice[self.grade_col]:
                if (self.grade_col, answer) in self.bands:
                    grade_values[answer] = self.bands[(self.grade_col, answer)]
        indicators = {}
        for code, index in self.questions.items():
            if index is None:
                continue
            ticked = self.positives.get((code, index), set())
            indicators[code] = {
                "column": headers[index],
                "positive": [a for a in choice[index] if a in ticked],
            }
        return {
            "staff_no_column": headers[self.staff_col] if self.staff_col is not None else "",
            "grade_column": headers[self.grade_col] if self.grade_col is not None else "",
            "grade_values": grade_values,
            "indicators": indicators,
        }
