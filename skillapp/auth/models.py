from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.auth.roles import LEARNER
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.roster.models import Staff


class User(db.Model):
    """A login, tied one-to-one to a staff record (the 職員番号 is the user name)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    staff: Mapped[Staff] = relationship(lazy="joined")
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login: the id it keeps is the session token (set at login), so a
    # revoked session cannot be replayed; see auth.sessions.
    session_token = None

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows} | {LEARNER}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def staff_no(self) -> str:
        return self.staff.staff_no

    @property
    def display_name(self) -> str:
        return self.staff.name

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return not self.is_disabled and self.staff.is_active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.staff_id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id}:{self.role}>"


class AuthSession(db.Model):
    """A server-side login session; the browser holds only a random token.

    Ending the record (logout, timeout, deactivation) makes the cookie worthless.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<AuthSession {self.id} user={self.user_id}>"


class LoginThrottle(db.Model):
    """Failed logins per (staff number, client address), for slow-down and lock-out.

    Keyed on the pair so that nobody can lock out another person working from
    a different address, and nobody can lock out everyone.
    """

    __tablename__ = "login_throttles"

    staff_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.staff_no}@{self.ip} {self.failures}>"
