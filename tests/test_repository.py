"""The repository stands on its own: no tracked Markdown or Python file refers
to a path outside it, so that someone who clones it finds everything it cites
(CONTRIBUTING.md, rule 11). The documentation lives in docs/.

What counts as a reference outside the repository:

- a relative path whose parent steps (dot-dot) climb above the repository
  root: in Markdown resolved from the file's folder, as links are; in Python
  comments and docstrings from the file's folder and from the root, since
  prose there names paths from the root (the content format's lesson-relative
  image references, one step up into ``images/``, are the one exception).
  Strings in Python code are left alone: test data such as a zip member that
  climbs out is not a reference;
- an absolute path into the workspace the repository sits in (the workspace
  tree of ``_workspace_prefixes``, or the folder that holds this checkout),
  anywhere in a file;
- the names of the specification files this project once cited from outside
  it, anywhere in a file.

The patterns are built from parts, so that this file passes its own check.
"""

import ast
import io
import os
import re
import shutil
import subprocess
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The names of the external specification files (each followed by ".md").
EXTERNAL_NAMES = ("PRODUCT", "INTERFACES", "STYLE")
_NAME_RE = re.compile(r"(?<![\w-])(?:" + "|".join(EXTERNAL_NAMES) + r")\.md\b")

# A path-like run of characters with a parent step (two dots, then a slash) in it.
_RELATIVE_RE = re.compile(r"[\w.~/%@+-]*\.\./[\w.~/%@+-]*")
# Lesson-relative image references of the content format (docs/content-format.md).
_LESSON_IMAGE = "../" + "images/"

_SKIPPED_DIRS = {".venv", "build", "node_modules", "__pycache__"}


def _workspace_prefixes(root: Path) -> list[str]:
    """Absolute folders a file must not point into: the workspace tree and the
    folder holding the checkout (when the checkout is not at the top)."""
    prefixes = {"/" + "work"}
    parent = root.resolve().parent
    if parent != Path(parent.anchor):
        prefixes.add(str(parent))
    return sorted(prefixes)


def _absolute_re(root: Path) -> re.Pattern:
    # Not part of a longer word, path or URL (a URL whose path starts so is fine).
    alternatives = "|".join(re.escape(p) for p in _workspace_prefixes(root))
    return re.compile(r"(?<![\w/.~-])(?:" + alternatives + r")(?=/|\b|$)")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r} ({self.why})"


def tracked_files(root: Path) -> list[str]:
    """The Markdown and Python files of the repository, relative to ``root``:
    those git tracks, or every such file when ``root`` is not a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "*.md", "*.py"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return sorted(p for p in listed.split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        found = []
        for path in root.rglob("*"):
            rel = path.relative_to(root)
            skipped = any(
                part.startswith(".") or part in _SKIPPED_DIRS or part.endswith(".egg-info")
                for part in rel.parts[:-1]
            )
            if not skipped and path.suffix in (".md", ".py") and path.is_file():
                found.append(rel.as_posix())
        return sorted(found)


def _leaves(start: str, target: str) -> bool:
    """Whether ``target``, relative to the repository folder ``start`` ("" for
    the root), points above the repository root."""
    resolved = os.path.normpath(os.path.join(start, target))
    return resolved == ".." or resolved.startswith("../")


def _line_of(text: str, offset: int, first_line: int = 1) -> int:
    return first_line + text.count("\n", 0, offset)


def _relative_findings(path: str, text: str, first_line: int, *, prose: bool) -> list[Finding]:
    folder = os.path.dirname(path)
    found = []
    for match in _RELATIVE_RE.finditer(text):
        target = match.group().rstrip(".,;:")
        if target.startswith("/") or "../" not in target:
            continue  # absolute (checked apart), or only dots left after the strip
        leaves = _leaves(folder, target)
        if prose and not target.startswith(_LESSON_IMAGE):
            leaves = leaves or _leaves("", target)
        if leaves:
            line = _line_of(text, match.start(), first_line)
            found.append(Finding(path, line, target, "relative path out of the repository"))
    return found


def _pattern_findings(path: str, text: str, first_line: int, absolute: re.Pattern) -> list:
    found = []
    for pattern, why in ((absolute, "absolute path outside"), (_NAME_RE, "external file")):
        for match in pattern.finditer(text):
            line = _line_of(text, match.start(), first_line)
            found.append(Finding(path, line, match.group(), why))
    return found


def _python_pieces(source: str) -> list[tuple[int, str, bool]]:
    """(first line, text, is prose) of every comment and string of a Python
    source: prose is a comment or a docstring (a string standing alone as a
    statement)."""
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docstrings.add(node.lineno)
    kinds = {tokenize.COMMENT, tokenize.STRING}
    if hasattr(tokenize, "FSTRING_MIDDLE"):  # Python 3.12+
        kinds.add(tokenize.FSTRING_MIDDLE)
    pieces = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in kinds:
            prose = token.type == tokenize.COMMENT or token.start[0] in docstrings
            pieces.append((token.start[0], token.string, prose))
    return pieces


def references_outside(root: Path, paths: list[str] | None = None) -> list[Finding]:
    """Every reference outside the repository in the tracked Markdown and
    Python files under ``root`` (or in ``paths``, relative to it)."""
    absolute = _absolute_re(root)
    found = []
    for path in tracked_files(root) if paths is None else paths:
        text = (root / path).read_text(encoding="utf-8")
        if path.endswith(".md"):
            found += _relative_findings(path, text, 1, prose=False)
            found += _pattern_findings(path, text, 1, absolute)
            continue
        for first_line, piece, prose in _python_pieces(text):
            if prose:
                found += _relative_findings(path, piece, first_line, prose=True)
            found += _pattern_findings(path, piece, first_line, absolute)
    return found


def test_no_file_refers_outside_the_repository():
    files = tracked_files(ROOT)
    assert "README.md" in files and "skillapp/__init__.py" in files
    findings = references_outside(ROOT)
    assert not findings, "refer to the page in docs/ instead:\n" + "\n".join(map(str, findings))


# --- the check itself, on a copy of the repository's files ----------------------


@pytest.fixture
def copy(tmp_path):
    """The repository's Markdown and Python files, copied into a new git
    checkout inside the test's own folder (so that its parent is no workspace)."""
    root = tmp_path / "checkout" / "skillapp"
    for path in tracked_files(ROOT):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / path, target)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    return root


def _append(root: Path, path: str, text: str) -> int:
    """Append ``text`` to a file of the copy; returns the line it starts on."""
    target = root / path
    before = target.read_text(encoding="utf-8")
    target.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1 + text[: len(text) - len(text.lstrip("\n"))].count("\n")


def test_planted_references_are_found(copy):
    """Each planted reference is found, at its line, and nothing else is."""
    product, interfaces, style = (name + ".md" for name in EXTERNAL_NAMES)
    workspace = "/" + "work"
    holder = str(copy.parent)  # the folder holding this checkout
    plants = [
        # (file, text appended, what the findings name)
        (
            "README.md",
            f"\nSee [it](../shared/spec/{product}).\n",
            [f"../shared/spec/{product}", product],
        ),
        ("docs/indicators.md", "\nSee [seeds](../../seeds/README).\n", ["../../seeds/README"]),
        ("docs/pdf.md", f"\nThe font is in `{workspace}/shared/fonts`.\n", [workspace]),
        ("docs/curriculum.md", f"\nAs {style} says.\n", [style]),
        ("skillapp/cli.py", '\n"""See ../shared/seeds/README."""\n', ["../shared/seeds/README"]),
        ("skillapp/db.py", f"\n# As {interfaces} says.\n", [interfaces]),
        ("tests/helpers.py", f'\nSEEDS = "{workspace}/shared/seeds"\n', [workspace]),
        ("tests/conftest.py", f'\nSIBLING = "{holder}/other/file.csv"\n', [holder]),
    ]
    expected = []
    for path, text, names in plants:
        line = _append(copy, path, text)
        expected += [(path, line, name) for name in names]
    found = sorted((f.path, f.line, f.text) for f in references_outside(copy))
    assert found == sorted(expected)


def test_references_inside_the_repository_pass(copy):
    changed = [
        "docs/indicators.md",
        "docs/pdf.md",
        "skillapp/util/markdown.py",
        "tests/helpers.py",
        "skillapp/config.py",
    ]
    _append(copy, "docs/indicators.md", "\nSee [the CLI](../docs/content-format.md#versions).\n")
    _append(
        copy, "docs/pdf.md", "\nSee [the README](../README.md) and https://example.org/work/x.\n"
    )
    _append(copy, "skillapp/util/markdown.py", "\n# a lesson writes ../images/chart.png\n")
    _append(copy, "tests/helpers.py", '\nEVIL_ZIP_MEMBER = "../../../etc/passwd"\n')
    _append(copy, "skillapp/config.py", "\n# DATE_STYLE.md is not a file of ours either way\n")
    assert references_outside(copy, changed) == []
