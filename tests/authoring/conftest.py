from pathlib import Path

import pytest


@pytest.fixture
def content_dir(tmp_path) -> Path:
    root = tmp_path / "modules"
    root.mkdir()
    return root
