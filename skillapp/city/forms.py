from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from skillapp.city.services import MAX_DOCUMENT, MAX_NAME, MAX_PRINCIPLES
from skillapp.forms import Form


class CityProfileForm(Form):
    name = StringField(
        _l("City name"),
        validators=[Length(max=MAX_NAME, message=_l("At most %(max)d characters."))],
    )
    guideline = StringField(
        _l("Name of the city's DX guideline"),
        validators=[Length(max=MAX_DOCUMENT, message=_l("At most %(max)d characters."))],
    )
    plan = StringField(
        _l("Name of the plan that holds the staff-development targets"),
        validators=[Length(max=MAX_DOCUMENT, message=_l("At most %(max)d characters."))],
    )
    principles = TextAreaField(
        _l("The city's own statement of its principles (optional)"),
        validators=[Length(max=MAX_PRINCIPLES, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 6},
    )
