from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from skillapp.db import utcnow
from skillapp.extensions import db


class PendingFile(db.Model):
    """An uploaded file awaiting confirmation, or a file to be downloaded once.

    Kept in the database so that every worker sees it; removed when used, and
    deleted within minutes of its hour running out (by the requests themselves
    and by ``skillapp jobs run``).
    """

    __tablename__ = "pending_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PendingFile {self.purpose} {self.file_name}>"
