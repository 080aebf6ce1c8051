"""the city's order and pass marks: departments.position (the order of the
roster's units, which HR can rearrange), job_title_bands.rank (a title's rank
within its band) and module_versions.pass_mark (each module's and test's own
pass mark, 70 for everything already loaded)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The default titles in their order (skillapp.roster.bands as of this revision):
# each one's rank is its place among those of its band.
DEFAULT_TITLES = [
    ("部長", "management"),
    ("次長", "management"),
    ("参事", "management"),
    ("課長", "management"),
    ("副参事", "management"),
    ("課長補佐", "supervisor"),
    ("課長代理", "supervisor"),
    ("係長", "supervisor"),
    ("主任", "supervisor"),
    ("主査", "staff"),
    ("主事", "staff"),
    ("主事補", "staff"),
    ("技師", "staff"),
    ("技師補", "staff"),
]


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('position', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('job_title_bands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rank', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('module_versions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pass_mark', sa.Integer(), server_default='70', nullable=False)
        )
    bind = op.get_bind()
    _order_departments(bind)
    _rank_titles(bind)


def _order_departments(bind):
    """The roster's order of first appearance, as well as it can be told: the
    first roster's people were added in file order, so a unit's place is that
    of the earliest person (lowest staff id) ever in it (a 部: in it or in any
    of its 課); units nobody was ever in follow, by name."""
    departments = bind.execute(sa.text("SELECT id, name, parent_id FROM departments")).all()
    if not departments:
        return
    first = dict(
        bind.execute(
            sa.text(
                "SELECT department_id, MIN(staff_id) FROM staff_history"
                " WHERE department_id IS NOT NULL GROUP BY department_id"
            )
        ).all()
    )
    never = float("inf")
    children = {}
    for row in departments:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)

    def own(row):
        return first.get(row.id, never)

    def whole(row):
        return min([own(row), *(own(child) for child in children.get(row.id, []))])

    ids = {row.id for row in departments}
    tops = [row for row in departments if row.parent_id is None or row.parent_id not in ids]
    positions = []
    for top in sorted(tops, key=lambda row: (whole(row), row.name)):
        positions.append(top.id)
        for child in sorted(children.get(top.id, []), key=lambda row: (own(row), row.name)):
            positions.append(child.id)
    bind.execute(
        sa.text("UPDATE departments SET position = :position WHERE id = :id"),
        [{"id": id_, "position": number} for number, id_ in enumerate(positions, start=1)],
    )


def _rank_titles(bind):
    """The default titles in their default order, then a band's other titles by name."""
    defaults, seen = {}, {}
    for title, band in DEFAULT_TITLES:
        seen[band] = seen.get(band, 0) + 1
        defaults[title] = seen[band]
    rows = bind.execute(sa.text("SELECT title, band FROM job_title_bands")).all()
    bands = {}
    for row in rows:
        bands.setdefault(row.band, []).append(row.title)
    values = []
    for titles in bands.values():
        ordered = sorted(titles, key=lambda t: (defaults.get(t, len(DEFAULT_TITLES) + 1), t))
        values += [{"title": t, "rank": rank} for rank, t in enumerate(ordered, start=1)]
    if values:
        bind.execute(
            sa.text("UPDATE job_title_bands SET rank = :rank WHERE title = :title"), values
        )


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop
    # and rebuild tables that others refer to.
    op.drop_column('module_versions', 'pass_mark')
    op.drop_column('job_title_bands', 'rank')
    op.drop_column('departments', 'position')
