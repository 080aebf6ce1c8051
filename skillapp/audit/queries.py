"""Reading the audit log: the administrator's filters and the names its codes stand for."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from skillapp.audit.labels import Names, names_needed
from skillapp.audit.models import AuditEvent
from skillapp.util.dates import JST
from skillapp.util.text import normalize_staff_no

CHUNK = 1000


@dataclass
class AuditFilter:
    """Which events to show: an action, days (Japan time, both included), a
    person (what they did and what was done to their account or staff
    number) and an object (its type, and optionally its id)."""

    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    person: str = ""
    object_type: str = ""
    object_id: str = ""
    problems: list[str] = field(default_factory=list)

    def as_args(self) -> dict[str, str]:
        """The query string that gives this filter again (for the pager and the CSV link)."""
        args = {
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "person": self.person,
            "object": self.object_type,
            "object_id": self.object_id,
        }
        return {k: v for k, v in args.items() if v}

    def as_detail(self) -> dict[str, str]:
        """The filter as an audit event's detail (the export of the log is itself logged)."""
        detail = {
            "action": self.action,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "person": self.person,
            "object": self.object_type,
            "object_id": self.object_id,
        }
        return {k: v for k, v in detail.items() if v}


def _day(value: str) -> date:
    return date.fromisoformat(value.strip())


def parse_filter(args, messages) -> AuditFilter:
    """The filter from a query string. A day that cannot be read is left out
    and said in ``problems`` (texts from ``messages``: bad_from, bad_to, order)."""
    found = AuditFilter(
        action=args.get("action", "").strip(),
        person=normalize_staff_no(args.get("person", ""))[:64],
        object_type=args.get("object", "").strip()[:50],
        object_id=args.get("object_id", "").strip()[:64],
    )
    for name, attr, problem in (("from", "date_from", "bad_from"), ("to", "date_to", "bad_to")):
        value = args.get(name, "").strip()
        if not value:
            continue
        try:
            setattr(found, attr, _day(value))
        except ValueError:
            found.problems.append(str(messages[problem]))
    if found.date_from and found.date_to and found.date_from > found.date_to:
        found.problems.append(str(messages["order"]))
        found.date_from, found.date_to = found.date_to, found.date_from
    return found


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), JST)


def filtered(session: Session, wanted: AuditFilter) -> Select:
    from skillapp.auth.models import User
    from skillapp.roster.models import Staff

    query = select(AuditEvent)
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.date_from:
        query = query.where(AuditEvent.at >= _start_of(wanted.date_from))
    if wanted.date_to:
        query = query.where(AuditEvent.at < _start_of(wanted.date_to + timedelta(days=1)))
    if wanted.person:
        user_ids = session.scalars(
            select(User.id).join(User.staff).where(Staff.staff_no == wanted.person)
        ).all()
        query = query.where(
            or_(
                AuditEvent.actor_user_id.in_(user_ids) if user_ids else false(),
                and_(
                    AuditEvent.object_type == "user",
                    AuditEvent.object_id.in_([str(i) for i in user_ids]),
                )
                if user_ids
                else false(),
                and_(AuditEvent.object_type == "staff_no", AuditEvent.object_id == wanted.person),
            )
        )
    if wanted.object_type:
        query = query.where(AuditEvent.object_type == wanted.object_type)
    if wanted.object_id:
        query = query.where(AuditEvent.object_id == wanted.object_id)
    return query


def newest_first(session: Session, query: Select) -> Iterator[AuditEvent]:
    """Every event of the query, newest first, read a chunk at a time."""
    last = None
    while True:
        chunk_query = query.order_by(AuditEvent.id.desc()).limit(CHUNK)
        if last is not None:
            chunk_query = chunk_query.where(AuditEvent.id < last)
        chunk = session.scalars(chunk_query).all()
        if not chunk:
            return
        yield from chunk
        for event in chunk:  # read once: keep the session's memory flat
            session.expunge(event)
        last = chunk[-1].id


def names_for(session: Session, events: Sequence[AuditEvent]) -> Names:
    """Staff numbers, names and titles for the codes of these events."""
    from skillapp.auth.models import User
    from skillapp.learning.models import Module, ModuleVersion
    from skillapp.metrics.models import Indicator
    from skillapp.roster.models import Department, Staff

    wanted = names_needed(events)
    names = Names()
    if wanted["users"]:
        names.users = {
            user_id: (staff_no, name)
            for user_id, staff_no, name in session.execute(
                select(User.id, Staff.staff_no, Staff.name)
                .join(User.staff)
                .where(User.id.in_(wanted["users"]))
            )
        }
    if wanted["departments"]:
        names.departments = dict(
            session.execute(
                select(Department.id, Department.name).where(
                    Department.id.in_(wanted["departments"])
                )
            ).all()
        )
    if wanted["modules"]:
        names.modules = dict(
            session.execute(
                select(Module.slug, ModuleVersion.title)
                .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
                .where(Module.slug.in_(wanted["modules"]))
            ).all()
        )
    if wanted["indicators"]:
        names.indicators = {
            code: (number, name)
            for code, number, name in session.execute(
                select(Indicator.code, Indicator.number, Indicator.name).where(
                    Indicator.code.in_(wanted["indicators"])
                )
            )
        }
    return names
