"""Editor forms. They read and type the input; the content rules (required texts,
positive numbers, correct options, draw and tags …) are the loader's, checked on
the whole draft, so the browser and the files can never disagree."""

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import TextInput

from skillapp.authoring.loader import (
    KEY_RE,
    MAX_KEY,
    MAX_SLUG,
    MAX_TITLE,
    REVIEW_CHOICES,
    SLUG_RE,
)
from skillapp.forms import Form
from skillapp.learning.models import CATEGORIES, CATEGORY_LABELS

KIND_LABELS = {
    "module": _l("Module (lessons and a quiz)"),
    "assessment": _l("Assessment (a test only)"),
}
REVIEW_LABELS = {
    "always": _l("Always: right after each attempt"),
    "after_pass": _l("Only once the learner has passed"),
    "never": _l("Never (the score only)"),
}
QUESTION_TYPE_LABELS = {
    "single": _l("Single answer"),
    "multiple": _l("Multiple answers"),
    "true_false": _l("True or false"),
}
_TAG_SPLIT = re.compile(r"[,、，\n]+")


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in labels.items()]


def split_tags(value: str | None) -> list[str]:
    """Tags typed as one line: separated by commas (, 、 ，); duplicates dropped."""
    tags: list[str] = []
    for tag in _TAG_SPLIT.split(value or ""):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def join_tags(tags: list[str]) -> str:
    return ", ".join(tags)


_COUNT_RE = re.compile(r"^(.+?)\s*[:：]\s*([0-9０-９]+)$")


def split_strata(value: str | None) -> tuple[list[str], dict[str, int] | None]:
    """The "draw evenly from these tags" line: 「用語, 行動原則」 (an even split) or
    「用語: 4, 行動原則: 3」 (so many from each). A tag whose count cannot be read
    keeps its text, so that the loader names it."""
    tags, counts = [], {}
    for item in split_tags(value):
        match = _COUNT_RE.match(item)
        if match:
            tag = match.group(1).strip()
            counts[tag] = int(unicodedata.normalize("NFKC", match.group(2)))
            item = tag
        if item not in tags:
            tags.append(item)
    if counts and len(counts) == len(tags):
        return tags, counts
    return tags, None


def join_strata(tags: list[str], counts: dict[str, int] | None) -> str:
    if counts:
        return ", ".join(f"{tag}: {counts[tag]}" for tag in tags)
    return join_tags(tags)


class WholeNumberField(IntegerField):
    """An optional whole number; full-width digits (１２) are read too. A text input
    (inputmode numeric), so that what was typed reaches the server and a mistake
    gets a message instead of being dropped by the browser."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        raw = unicodedata.normalize("NFKC", valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            self.data = int(raw)
        except ValueError:
            raise ValueError(str(_l("Enter a whole number, e.g. 10."))) from None


def _whole(label, **kw):
    kw.setdefault("render_kw", {"inputmode": "numeric"})
    return WholeNumberField(label, validators=[Optional()], **kw)


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("At most %(max)d characters."))


class NewModuleForm(Form):
    slug = StringField(
        _l("Address name (slug)"),
        validators=[
            Optional(),  # made from the title when left empty
            _length(MAX_SLUG),
            Regexp(
                SLUG_RE,
                message=_l(
                    "Use lower-case letters a-z, digits and single hyphens, e.g. data-basics."
                ),
            ),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "inputmode": "url"},
    )
    kind = RadioField(
        _l("Kind"), choices=_choices(KIND_LABELS), default="module", validators=[DataRequired()]
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), _length(MAX_TITLE)]
    )
    category = SelectField(
        _l("Category"),
        choices=_choices({c: CATEGORY_LABELS[c] for c in CATEGORIES}),
        default="other",
    )
    summary = TextAreaField(
        _l("Summary"), validators=[DataRequired(_l("Enter a summary."))], render_kw={"rows": 3}
    )


class ModuleSettingsForm(Form):
    title = StringField(_l("Title"), validators=[_length(MAX_TITLE)])
    category = SelectField(
        _l("Category"), choices=_choices({c: CATEGORY_LABELS[c] for c in CATEGORIES})
    )
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 3})
    estimated_minutes = _whole(_l("Estimated time (minutes)"))
    tags = StringField(_l("Tags"))


class QuizSettingsForm(Form):
    pass_mark = _whole(_l("Pass mark"))
    draw = _whole(_l("Questions per attempt"))
    stratify_by = StringField(_l("Draw evenly from these tags"))
    time_limit_minutes = _whole(_l("Time limit (minutes)"))
    max_attempts = _whole(_l("Maximum attempts"))
    max_attempts_per_year = _whole(_l("Maximum attempts in a fiscal year"))
    cooldown_minutes = _whole(_l("Pause between attempts (minutes)"))
    shuffle_questions = BooleanField(_l("Shuffle the questions for each attempt"))
    shuffle_options = BooleanField(_l("Shuffle the options of each question"))
    review = RadioField(
        _l("When the review shows the correct answers and explanations"),
        choices=_choices({code: REVIEW_LABELS[code] for code in REVIEW_CHOICES}),
        default="always",
    )


class LessonForm(Form):
    key = StringField(
        _l("Lesson key (file name)"),
        validators=[
            Optional(),  # made from the title when left empty
            _length(MAX_KEY),
            Regexp(KEY_RE, message=_l("Use only letters, digits, - and _, e.g. 01-why.")),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
    title = StringField(_l("Lesson title"), validators=[_length(MAX_TITLE)])
    minutes = _whole(_l("Reading time (minutes)"))
    body = TextAreaField(_l("Text (Markdown)"), render_kw={"rows": 18})


class QuestionForm(Form):
    """The fixed fields of a question; the options are rows read by ``option_rows``."""

    key = StringField(
        _l("Question id"),
        validators=[
            Optional(),  # the next free q-NN when left empty
            _length(MAX_KEY),
            Regexp(KEY_RE, message=_l("Use only letters, digits, - and _, e.g. q-05.")),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
    type = SelectField(_l("Question type"), choices=_choices(QUESTION_TYPE_LABELS))
    text = TextAreaField(_l("Question"), render_kw={"rows": 3})
    answer = RadioField(
        _l("Correct answer"),
        choices=[
            SelectChoice("true", _l("True (正しい)")),
            SelectChoice("false", _l("False (誤り)")),
        ],
        validators=[Optional()],
    )
    explanation = TextAreaField(_l("Explanation (shown in the review)"), render_kw={"rows": 3})
    weight = _whole(_l("Weight"))
    tags = StringField(_l("Tags (e.g. the principle or area)"))
    group = StringField(
        _l("Group (questions that answer each other)"),
        validators=[
            Optional(),
            _length(MAX_KEY),
            Regexp(KEY_RE, message=_l("Use only letters, digits, - and _, e.g. kpi-example.")),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )


class ImageForm(Form):
    image = FileField(
        _l("Image (PNG, JPEG, GIF or WebP, at most 2 MB)"),
        validators=[FileRequired(_l("Choose an image."))],
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )


class ImportForm(Form):
    file = FileField(
        _l("Module as a zip file"),
        validators=[FileRequired(_l("Choose a file."))],
        render_kw={"accept": ".zip,application/zip"},
    )


@dataclass
class OptionRow:
    """One answer option as typed: its stable id (kept from before, or new)."""

    key: str
    text: str
    correct: bool


def option_rows(form, count: int) -> list[OptionRow]:
    """The option rows posted with a question (option-key-N, option-text-N, correct=N)."""
    correct = set(form.getlist("correct"))
    rows = []
    for n in range(1, count + 1):
        rows.append(
            OptionRow(
                key=(form.get(f"option-key-{n}") or "").strip(),
                text=" ".join((form.get(f"option-text-{n}") or "").split()),
                correct=str(n) in correct,
            )
        )
    return rows


def empty_rows(count: int) -> list[OptionRow]:
    return [OptionRow("", "", False) for _ in range(count)]


def option_keys(rows: list[OptionRow]) -> list[str]:
    """Stable ids for the rows with text: kept where given, else the next free letter."""
    used = {row.key for row in rows if row.text and row.key and KEY_RE.match(row.key)}
    candidates = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [f"o{n}" for n in range(1, 100)]
    keys: list[str] = []
    for row in rows:
        if not row.text:
            continue
        if row.key and KEY_RE.match(row.key) and row.key not in keys:
            key = row.key
        else:
            key = next(k for k in candidates if k not in used and k not in keys)
        keys.append(key)
    return keys
