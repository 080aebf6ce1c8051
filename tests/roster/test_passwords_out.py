"""Issue 14.14: ``roster import --passwords-out`` to a file that exists or into
a folder that does not: refused before any work, exit 2, nothing imported."""

import pytest
from sqlalchemy import func, select

from skillapp.extensions import db
from skillapp.roster.models import RosterImport, Staff
from tests.roster.test_import import MARCH, csv_bytes


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("exists.csv", "already exists"),
        ("no-such-folder/passwords.csv", "no folder"),
        ("a-folder", "is a directory"),
    ],
)
def test_a_passwords_file_that_cannot_be_written_stops_before_any_work(
    runner, tmp_path, where, expected
):
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes(MARCH))
    (tmp_path / "exists.csv").write_text("keep me")
    (tmp_path / "a-folder").mkdir()
    out = tmp_path / where
    result = runner.invoke(args=["roster", "import", str(path), "--passwords-out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert expected in result.output and "rows 3" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Staff)) == 0
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0
    assert (tmp_path / "exists.csv").read_text() == "keep me"
