"""Item statistics pages (authors and admins)."""

from flask import abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from skillapp.auth.roles import ADMIN, AUTHOR
from skillapp.extensions import db
from skillapp.itemstats import bp, queries
from skillapp.learning.models import Module, ModuleVersion
from skillapp.metrics.views import fiscal_year_arg, recent_fiscal_years
from skillapp.util.dates import fiscal_year_label
from skillapp.web import role_required


@bp.before_request
@login_required
@role_required(AUTHOR, ADMIN)
def _authors_only():
    return None


def flag_labels() -> dict[str, str]:
    """Short names of the flags, for the overview table."""
    return {
        "too_easy": _("Too easy"),
        "too_hard": _("Too hard"),
        "weak": _("Does not discriminate"),
        "unpicked_option": _("Option nobody picks"),
    }


def flag_texts(stat: queries.QuestionStat) -> list[tuple[str, str]]:
    """(code, plain-Japanese explanation) of each flag of a question."""
    texts = {
        "too_easy": _("Too easy: more than 9 in 10 responses are correct."),
        "too_hard": _("Too hard: fewer than 3 in 10 responses are correct."),
        "weak": _(
            "Does not separate strong from weak: the top %(share)s by total score get it "
            "right hardly more often than the bottom %(share)s (discrimination under 0.2).",
            share="27%",
        ),
    }
    result = [(code, texts[code]) for code in stat.flags() if code in texts]
    if stat.unpicked:
        names = "、".join(f"「{o.text}」" for o in stat.unpicked)
        result.append(
            (
                "unpicked_option",
                _(
                    "An option nobody picks: %(options)s. It does not work as a distractor.",
                    options=names,
                ),
            )
        )
    return result


@bp.route("")
def index():
    year = fiscal_year_arg()
    counts = queries.attempts_by_module(db.session, year)
    modules = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .order_by(ModuleVersion.sort_order, Module.slug)
    ).all()
    return render_template(
        "itemstats/index.html",
        modules=modules,
        counts=counts,
        year=year,
        years=recent_fiscal_years(),
        year_label=fiscal_year_label(year),
    )


@bp.route("/<slug>")
def module(slug):
    year = fiscal_year_arg()
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None or module.current_version is None:
        abort(404)
    stats = queries.module_stats(db.session, module, year)
    return render_template(
        "itemstats/module.html",
        module=module,
        stats=stats,
        reliability=queries.reliability(db.session, module, year),
        minimum=current_app.config["ITEM_STATS_MIN_RESPONSES"],
        flag_texts=flag_texts,
        flag_labels=flag_labels(),
        year=year,
        years=recent_fiscal_years(),
        year_label=fiscal_year_label(year),
    )
