"""Staff records: the title → band map and creating or updating one person."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillapp.roster.bands import DEFAULT_TITLE_BANDS
from skillapp.roster.models import Department, JobTitleBand, Staff
from skillapp.util.text import nfkc, normalize_staff_no


def title_band_map(session: Session) -> dict[str, str]:
    return dict(session.execute(select(JobTitleBand.title, JobTitleBand.band)).all())


def band_for_title(session: Session, title: str) -> str | None:
    row = session.get(JobTitleBand, nfkc(title))
    return row.band if row else None


def ensure_default_title_bands(session: Session) -> int:
    """Insert the PRODUCT.md defaults that are missing; returns how many were added."""
    existing = set(session.scalars(select(JobTitleBand.title)))
    added = 0
    for title, band in DEFAULT_TITLE_BANDS.items():
        if title not in existing:
            session.add(JobTitleBand(title=title, band=band))
            added += 1
    session.flush()
    return added


def get_or_create_department(session: Session, name: str) -> Department | None:
    name = nfkc(name)
    if not name:
        return None
    department = session.scalar(select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        session.add(department)
        session.flush()
    return department


@dataclass
class StaffInput:
    staff_no: str
    name: str
    department: str = ""
    job_title: str = ""
    employment_type: str = ""
    email: str = ""
    is_active: bool = True


def upsert_staff(session: Session, data: StaffInput) -> Staff:
    """Create or update one staff record by 職員番号 (used by the CLI and admin pages)."""
    staff_no = normalize_staff_no(data.staff_no)
    staff = session.scalar(select(Staff).where(Staff.staff_no == staff_no))
    if staff is None:
        staff = Staff(staff_no=staff_no)
        session.add(staff)
    staff.name = data.name.strip()
    staff.department = get_or_create_department(session, data.department)
    staff.job_title = nfkc(data.job_title)
    staff.band = band_for_title(session, staff.job_title)
    staff.employment_type = data.employment_type.strip()
    staff.email = data.email.strip()
    staff.is_active = data.is_active
    session.flush()
    return staff
