"""scripts/run.sh says what it does, step by step, keeps pip's chatter out of
sight unless pip fails, and leaves the demo passwords to a fresh seed (issue
14, item 30). Run against stand-ins for .venv's programs: each prints what the
real one does (pip its 47 index warnings), so that the script's own behaviour
is what is tested, in a second."""

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from skillapp import PROJECT_ROOT

FAKE_PYTHON = """#!/usr/bin/env bash
# pip: index warnings on stderr, as on the machine of issue 14; FAKE_PIP_FAILS fails it.
if [ "$1 $2" = "-m pip" ]; then
  for i in $(seq 47); do echo "WARNING: Location 'file:///opt/pypi/p$i/' is ignored" >&2; done
  if [ -n "${FAKE_PIP_FAILS:-}" ]; then
    echo "ERROR: No matching distribution found for flask" >&2; exit 1
  fi
  exit 0
fi
exit 0
"""

FAKE_SKILLAPP = """#!/usr/bin/env bash
case "$*" in
  "db upgrade")
    echo "INFO  [alembic.runtime.migration] Context impl SQLiteImpl." >&2
    if [ ! -f "$FAKE_STATE/migrated" ]; then
      echo "INFO  [alembic.runtime.migration] Running upgrade  -> 0001, initial schema" >&2
      echo "INFO  [alembic.runtime.migration] Running upgrade 0001 -> 0002, roster" >&2
      touch "$FAKE_STATE/migrated"
    fi ;;
  "content sync") echo "created: 12: ai-governance (v1)"; echo "unchanged: 0" ;;
  "demo seed --if-empty")
    if [ -f "$FAKE_STATE/seeded" ]; then
      echo "demo seed: the database already has data; nothing to do"
    else
      echo "… the roster and the demo accounts"
      echo "demo logins (staff number / password):"
      echo "  learner          D0001 / manabu-demo-2026   (山田 花子)"
      touch "$FAKE_STATE/seeded"
    fi ;;
  "demo logins") echo "  learner          D0001 / manabu-demo-2026   (山田 花子)" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def project(tmp_path):
    """A copy of the scripts beside a .venv of stand-ins."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    for name in ("run.sh", "setup.sh"):
        shutil.copy(PROJECT_ROOT / "scripts" / name, root / "scripts" / name)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    stand_ins = {
        "python": FAKE_PYTHON,
        "skillapp": FAKE_SKILLAPP,
        "gunicorn": '#!/usr/bin/env bash\necho "gunicorn $*"\n',
    }
    for name, text in stand_ins.items():
        (bin_dir / name).write_text(textwrap.dedent(text))
        (bin_dir / name).chmod(0o755)
    (root / "state").mkdir()
    return root


def run(project: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(project / "scripts" / "run.sh")],
        env={**os.environ, "FAKE_STATE": str(project / "state"), "SKILLAPP_PORT": "5999", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_first_run_shows_numbered_steps_and_no_pip_warnings(project):
    first = run(project)
    assert first.returncode == 0, first.stderr
    output = first.stdout + first.stderr
    lines = output.splitlines()
    steps = [line[:5] for line in lines if line.startswith("[")]
    assert steps == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert "WARNING" not in output and "INFO" not in output
    assert "2 migrations applied" in output
    assert "installed in" in output and ".venv/pip-install.log" in output
    assert (project / ".venv" / "pip-install.log").read_text().count("WARNING") == 2 * 47
    # A fresh seed prints the demo logins, once.
    assert output.count("manabu-demo-2026") == 1
    assert "[5/5] Serving http://127.0.0.1:5999" in output
    assert lines[-1].startswith("gunicorn --bind 127.0.0.1:5999")


def test_a_second_run_prints_no_passwords(project):
    run(project)
    second = run(project)
    assert second.returncode == 0, second.stderr
    output = second.stdout + second.stderr
    assert "already installed" in output and "up to date" in output
    assert "manabu-demo-2026" not in output
    assert "nothing to do" in output


def test_pip_is_shown_when_it_fails(project):
    failed = run(project, FAKE_PIP_FAILS="1")
    assert failed.returncode != 0
    assert "pip could not install the project" in failed.stderr
    assert "ERROR: No matching distribution found for flask" in failed.stderr
    assert "[2/5]" not in failed.stdout
