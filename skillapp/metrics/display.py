"""How indicator figures read on the pages: one decimal, the unit, the gap in
points, achieved as words (never colour alone)."""

from flask_babel import gettext as _

from skillapp.metrics import bp


def _with_unit(unit: str, number: str) -> str:
    if unit == "count":
        return _("%(value)s people", value=number)
    if unit == "points":
        return _("%(value)s points", value=number)
    return f"{number}%"


@bp.app_template_global("show_value")
def show_value(indicator, value: float | None) -> str:
    if value is None:
        return "—"
    number = f"{value:.0f}" if indicator.unit == "count" else f"{value:.1f}"
    return _with_unit(indicator.unit, number)


@bp.app_template_global("show_target")
def show_target(indicator, target: float | None) -> str:
    if target is None:
        return "—"
    return _with_unit(indicator.unit, f"{target:g}")


@bp.app_template_global("show_gap")
def show_gap(indicator, gap: float | None) -> str:
    if gap is None:
        return "—"
    if indicator.unit == "percent":
        return _("%(value)s pt", value=f"{gap:+.1f}")
    number = f"{gap:+.0f}" if indicator.unit == "count" else f"{gap:+.1f}"
    return _with_unit(indicator.unit, number)


@bp.app_template_global("show_achieved")
def show_achieved(achieved: bool | None) -> str:
    if achieved is None:
        return "—"
    return _("Achieved") if achieved else _("Not achieved")


@bp.app_template_global("show_percent")
def show_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@bp.app_template_global("grade_label")
def grade_label(code: str) -> str:
    from skillapp.metrics.models import ALL
    from skillapp.roster.bands import band_label

    return _("All staff") if code == ALL else band_label(code)
