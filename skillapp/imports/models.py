from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from skillapp.db import utcnow
from skillapp.extensions import db

RESULTS = "results"
TRAINING = "training"
SURVEY = "survey"
KINDS = (RESULTS, TRAINING, SURVEY)


class DataImport(db.Model):
    """One applied import: who, when, which file, what it changed.

    A survey import that a later import of the same fiscal year replaced keeps
    its row here, marked superseded.
    """

    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    fiscal_year: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    superseded_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("data_imports.id"))

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None

    def __repr__(self) -> str:
        return f"<DataImport {self.id} {self.kind} {self.file_name}>"
