"""HR's page for the city's own retake rules of each test (/hr/tests)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, RadioField, SelectChoice
from wtforms.validators import NumberRange, Optional

from skillapp.assessment import bp
from skillapp.assessment.rules import clear_rules, rules_for, set_rules
from skillapp.auth.roles import ADMIN, HR
from skillapp.extensions import db
from skillapp.forms import CsrfOnlyForm, Form
from skillapp.learning.models import REVIEW_AFTER_PASS, REVIEW_ALWAYS, REVIEW_NEVER
from skillapp.learning.services import module_by_slug, published_modules
from skillapp.web import client_ip, role_required

REVIEW_LABELS = {
    REVIEW_AFTER_PASS: _l("Only once the person has passed (recommended for a counted test)"),
    REVIEW_NEVER: _l("Never: only the score and the person's own answers"),
    REVIEW_ALWAYS: _l("Right after every attempt"),
}
# Up to a year between attempts, up to one a day for a year.
MAX_PAUSE_HOURS = 24 * 366
MAX_PER_YEAR = 366


class RulesForm(Form):
    review = RadioField(
        _l("When the review shows the correct answers and explanations"),
        choices=[SelectChoice(code, label) for code, label in REVIEW_LABELS.items()],
    )
    pause_hours = IntegerField(
        _l("Pause before a new attempt (hours)"),
        validators=[
            Optional(),
            NumberRange(1, MAX_PAUSE_HOURS, _l("Enter a whole number from %(min)s to %(max)s.")),
        ],
    )
    max_attempts_per_year = IntegerField(
        _l("Attempts a person may start in a fiscal year"),
        validators=[
            Optional(),
            NumberRange(1, MAX_PER_YEAR, _l("Enter a whole number from %(min)s to %(max)s.")),
        ],
    )


def _test_or_404(slug):
    module = module_by_slug(db.session, slug)
    if module is None or not module.is_assessment:
        abort(404)
    return module


@bp.route("/hr/tests")
@role_required(HR, ADMIN)
def test_rules_index():
    tests = [m for m in published_modules(db.session) if m.is_assessment]
    return render_template(
        "assessment/rules_index.html",
        tests=[(module, rules_for(db.session, module)) for module in tests],
        review_labels=REVIEW_LABELS,
    )


@bp.route("/hr/tests/<slug>/rules", methods=["GET", "POST"])
@role_required(HR, ADMIN)
def test_rules(slug):
    module = _test_or_404(slug)
    rules = rules_for(db.session, module)
    form = RulesForm(
        data={
            "review": rules.review,
            # A pause that is no whole number of hours reads rounded up.
            "pause_hours": -(-rules.cooldown_minutes // 60) if rules.cooldown_minutes else None,
            "max_attempts_per_year": rules.max_attempts_per_year,
        }
    )
    if form.validate_on_submit():
        changed = set_rules(
            db.session,
            module,
            review=form.review.data,
            cooldown_minutes=form.pause_hours.data * 60 if form.pause_hours.data else None,
            max_attempts_per_year=form.max_attempts_per_year.data,
            actor_id=current_user.id,
            ip=client_ip(),
        )
        db.session.commit()
        flash(
            _("The rules for this test have been saved. They apply to attempts started from now.")
            if changed
            else _("Nothing changed."),
            "success",
        )
        return redirect(url_for("assessment.test_rules", slug=slug))
    return render_template(
        "assessment/rules.html",
        module=module,
        rules=rules,
        form=form,
        reset_form=CsrfOnlyForm(),
    ), 422 if form.errors else 200


@bp.route("/hr/tests/<slug>/rules/reset", methods=["POST"])
@role_required(HR, ADMIN)
def reset_test_rules(slug):
    module = _test_or_404(slug)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    if clear_rules(db.session, module, actor_id=current_user.id, ip=client_ip()):
        db.session.commit()
        flash(_("The test follows its published settings again."), "success")
    return redirect(url_for("assessment.test_rules", slug=slug))
