"""The editor's state: drafts, the change history of each module, and images.

Published versions (skillapp.learning.models.ModuleVersion) stay immutable; a
draft is the one editable state of a module until it is published or discarded.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.models import Module, ModuleVersion


class ContentImage(db.Model):
    """An image's bytes, stored once by SHA-256 whatever the versions and drafts using it."""

    __tablename__ = "content_images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<ContentImage {self.sha256[:12]} {self.content_type}>"


class ModuleVersionImage(db.Model):
    """An image of a published version, under its file name in images/."""

    __tablename__ = "module_version_images"

    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("content_images.sha256"), index=True)

    def __repr__(self) -> str:
        return f"<ModuleVersionImage {self.version_id} {self.name}>"


class ModuleDraft(db.Model):
    """The unpublished edit of a module: a ModuleSpec as JSON (see authoring.export).

    At most one per module; learners keep seeing the published version until the
    draft is published. ``base_version_id`` is the version it was started from.
    """

    __tablename__ = "module_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), unique=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("module_versions.id"))
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship()
    base_version: Mapped[ModuleVersion | None] = relationship()

    def __repr__(self) -> str:
        return f"<ModuleDraft {self.module_id}>"


class ModuleChange(db.Model):
    """One line of a module's change history: who did what, when."""

    __tablename__ = "module_changes"
    __table_args__ = (Index("ix_module_changes_module_at", "module_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # draft_created, module_edited, lesson_added, question_retired, published, synced …
    action: Mapped[str] = mapped_column(String(40))
    # The lesson or question key, the image name, the version number, the file name …
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped["User | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ModuleChange {self.module_id} {self.action}>"
