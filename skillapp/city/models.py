from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from skillapp.db import utcnow
from skillapp.extensions import db

PROFILE_ID = 1  # the profile is one row: one installation serves one city


class CityProfile(db.Model):
    """What an administrator has set in the browser. A value left empty here
    falls back to the configuration (CITY_NAME, CITY_GUIDELINE, CITY_PLAN,
    CITY_PRINCIPLES), so a city can also keep it all in configuration."""

    __tablename__ = "city_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    guideline: Mapped[str | None] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(200))
    principles: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<CityProfile {self.name!r}>"
