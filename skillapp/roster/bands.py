"""Job-grade bands (職層) and the default title → band table (docs/rules.md)."""

from flask_babel import lazy_gettext as _l

MANAGEMENT = "management"
SUPERVISOR = "supervisor"
STAFF = "staff"
BAND_CODES = (MANAGEMENT, SUPERVISOR, STAFF)

BAND_LABELS = {
    MANAGEMENT: "部長・課長",
    SUPERVISOR: "課長代理・係長・主任",
    STAFF: "主査・主事",
}
UNCLASSIFIED_LABEL = _l("Unclassified")

DEFAULT_TITLE_BANDS = {
    "部長": MANAGEMENT,
    "次長": MANAGEMENT,
    "参事": MANAGEMENT,
    "課長": MANAGEMENT,
    "副参事": MANAGEMENT,
    "課長補佐": SUPERVISOR,
    "課長代理": SUPERVISOR,
    "係長": SUPERVISOR,
    "主任": SUPERVISOR,
    "主査": STAFF,
    "主事": STAFF,
    "主事補": STAFF,
    "技師": STAFF,
    "技師補": STAFF,
}


def band_label(code: str | None) -> str:
    return BAND_LABELS.get(code or "", str(UNCLASSIFIED_LABEL))
