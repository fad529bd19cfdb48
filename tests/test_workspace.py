"""The learner's workspace: copies that updates never overwrite, and a pristine restore."""

import subprocess
import sys
from pathlib import Path

import pytest

from nnlib import workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_start_here.ipynb", "01_perceptron.ipynb", "04_backpropagation.ipynb"):
        (notebooks / name).write_text(f"original {name}")
    return tmp_path


def test_create_copies_every_notebook_then_never_overwrites(course):
    made = workspace.create(course)
    assert sorted(p.name for p in made) == ["00_start_here.ipynb", "01_perceptron.ipynb",
                                            "04_backpropagation.ipynb"]
    mine = course / "workspace" / "01_perceptron.ipynb"
    mine.write_text("my edits")
    (course / "notebooks" / "02_activation_functions.ipynb").write_text("new in an update")
    made = workspace.create(course)
    assert [p.name for p in made] == ["02_activation_functions.ipynb"]
    assert mine.read_text() == "my edits"


def test_restore_brings_back_the_original_and_keeps_the_edit(course):
    workspace.create(course)
    mine = course / "workspace" / "04_backpropagation.ipynb"
    mine.write_text("my broken edits")
    restored, backup = workspace.restore(course, "04")
    assert restored == mine and mine.read_text() == "original 04_backpropagation.ipynb"
    assert backup.read_text() == "my broken edits" and backup.parent == mine.parent
    assert backup.name.startswith("04_backpropagation.") and backup.suffix == ".ipynb"


def test_restore_without_a_workspace_copy_just_copies(course):
    restored, backup = workspace.restore(course, "01")
    assert backup is None and restored.read_text() == "original 01_perceptron.ipynb"


@pytest.mark.parametrize("number, words", [("4", "two digits"), ("xx", "two digits"),
                                           ("07", "no notebook 07 (the course has 00, 01, 04)")])
def test_restore_names_the_mistake(course, number, words):
    with pytest.raises(ValueError, match=r"restore: .*" + words.replace("(", r"\(")
                       .replace(")", r"\)")):
        workspace.restore(course, number)


def test_find_course_from_a_subfolder_and_a_clear_error_elsewhere(course, tmp_path_factory):
    (course / "notebooks" / "sub").mkdir()
    assert workspace.find_course(course / "notebooks" / "sub") == course
    assert workspace.find_course(tmp_path_factory.mktemp("elsewhere")) == REPO  # the install


def test_the_workspace_is_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "workspace/00_start_here.ipynb"],
                            cwd=REPO)
    assert result.returncode == 0


def test_command_line_create_and_restore(course):
    run = [sys.executable, "-m", "nnlib.workspace", "--course", str(course)]
    out = subprocess.run(run + ["create"], capture_output=True, text=True)
    assert out.returncode == 0 and "3 notebook(s) copied" in out.stdout
    out = subprocess.run(run + ["restore", "9"], capture_output=True, text=True)
    assert out.returncode == 2 and "two digits" in out.stderr and "Traceback" not in out.stderr
