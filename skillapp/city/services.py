"""The city profile: read (the browser's settings over the configuration) and
changed by an administrator, audited."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from skillapp.audit.services import record_event
from skillapp.city.models import PROFILE_ID, CityProfile

FIELDS = ("name", "guideline", "plan", "principles")
# The configuration setting behind each field.
CONFIG_KEYS = {field: f"CITY_{field.upper()}" for field in FIELDS}
MAX_NAME = 100
MAX_DOCUMENT = 200
MAX_PRINCIPLES = 2000


@dataclass(frozen=True)
class Profile:
    name: str
    guideline: str
    plan: str
    # The city's own short statement of its principles; None: it has written none.
    principles: str | None

    def placeholder_values(self) -> dict[str, str]:
        """What the inline placeholders {{city}}, {{guideline}} and {{plan}} show."""
        return {"city": self.name, "guideline": self.guideline, "plan": self.plan}


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def configured_profile(config: Mapping) -> Profile:
    """The profile as the configuration gives it, with the documented defaults."""
    name = _clean(config.get("CITY_NAME")) or "デモ市"
    return Profile(
        name=name,
        guideline=_clean(config.get("CITY_GUIDELINE")) or f"{name}のDX推進方針",
        plan=_clean(config.get("CITY_PLAN")) or f"{name}のDX推進計画",
        principles=_clean(config.get("CITY_PRINCIPLES")),
    )


def current_profile(session: Session, config: Mapping) -> Profile:
    """What the administrator set in the browser, each empty field falling back
    to the configuration (and a document name left unset to the city's name)."""
    stored = stored_profile(session)
    return configured_profile(
        {key: _clean(stored[field]) or config.get(key) for field, key in CONFIG_KEYS.items()}
    )


def stored_profile(session: Session) -> dict[str, str]:
    """The values set in the browser (empty strings where none)."""
    row = session.get(CityProfile, PROFILE_ID)
    return {field: (getattr(row, field) or "") if row else "" for field in FIELDS}


def update_profile(
    session: Session, values: Mapping[str, str | None], *, actor_id: int, ip: str = ""
) -> bool:
    """Set the profile's fields (empty: fall back to the configuration). Audited
    with each changed field's old and new value; False when nothing changed."""
    row = session.get(CityProfile, PROFILE_ID)
    created = row is None
    if created:
        row = CityProfile(id=PROFILE_ID)
    changes = {}
    for field in FIELDS:
        new = _clean(values.get(field))
        old = getattr(row, field)
        if new != old:
            changes[f"{field}_before"] = old
            changes[field] = new
            setattr(row, field, new)
    if not changes:
        return False
    if created:
        session.add(row)
    row.updated_by_id = actor_id
    record_event(
        session,
        "city_profile_changed",
        actor_id=actor_id,
        ip=ip,
        object_type="city_profile",
        object_id=PROFILE_ID,
        **changes,
    )
    session.flush()
    return True
