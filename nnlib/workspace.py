"""Your own copy of the notebooks, where edits never clash with course updates.

From the course's folder (the clone of the repository)::

    python -m nnlib.workspace create        # copy notebooks/ into workspace/ (git ignores it)
    python -m nnlib.workspace restore 04    # a pristine 04 again; your version is kept as .bak

``create`` never overwrites a notebook you already have, so it is safe to run again after
``git pull`` to pick up new notebooks. ``make workspace`` and ``make restore NB=04`` do the
same, and ``make lab`` opens the workspace once it exists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

WORKSPACE = "workspace"
FIRST_NOTEBOOK = "00_start_here.ipynb"


def find_course(start: Path | None = None) -> Path:
    """The course folder: the first of ``start`` (default: here) and its parents that holds
    ``notebooks/00_start_here.ipynb``, else the folder an editable install of nnlib lives in."""
    here = Path.cwd() if start is None else Path(start)
    for folder in (here, *here.resolve().parents, Path(__file__).resolve().parents[1]):
        if (folder / "notebooks" / FIRST_NOTEBOOK).is_file():
            return folder
    raise FileNotFoundError(
        f"no course folder found from {here}: run this inside your clone of the course "
        "repository (the folder that holds notebooks/), or pass --course PATH")


def create(course: Path) -> list[Path]:
    """Copy every notebook the workspace lacks; return the copies made."""
    target = course / WORKSPACE
    target.mkdir(exist_ok=True)
    made = []
    for notebook in sorted((course / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        copy = target / notebook.name
        if not copy.exists():
            shutil.copy2(notebook, copy)
            made.append(copy)
    return made


def restore(course: Path, number: str) -> tuple[Path, Path | None]:
    """Put back the pristine notebook ``number`` (e.g. "04"); keep the learner's as a backup.

    Returns ``(restored, backup)``; ``backup`` is None when there was no copy to keep.
    """
    number = str(number).strip()
    if not (len(number) == 2 and number.isdigit()):
        raise ValueError(f"restore: the notebook number must be two digits such as 04, "
                         f"got {number!r}")
    originals = sorted((course / "notebooks").glob(f"{number}_*.ipynb"))
    if not originals:
        known = ", ".join(p.name[:2] for p in sorted((course / "notebooks").glob("*.ipynb")))
        raise ValueError(f"restore: there is no notebook {number} (the course has {known})")
    original = originals[0]
    target = course / WORKSPACE / original.name
    target.parent.mkdir(exist_ok=True)
    backup = None
    if target.exists():
        backup = target.with_name(f"{target.stem}.{time.strftime('%Y%m%d-%H%M%S')}.bak.ipynb")
        shutil.move(target, backup)
    shutil.copy2(original, target)
    return target, backup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlib.workspace",
                                     description="Your own copy of the course's notebooks.")
    parser.add_argument("--course", type=Path, default=None,
                        help="the course folder (default: found from here)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("create", help="copy the notebooks you do not have yet")
    restore_cmd = commands.add_parser("restore", help="a pristine copy of one notebook")
    restore_cmd.add_argument("number", help="two digits, e.g. 04")
    args = parser.parse_args(argv)
    try:
        course = find_course() if args.course is None else args.course
        if not (course / "notebooks" / FIRST_NOTEBOOK).is_file():
            raise FileNotFoundError(f"{course} is not the course folder (it has no "
                                    f"notebooks/{FIRST_NOTEBOOK})")
        if args.command == "create":
            made = create(course)
            print(f"{len(made)} notebook(s) copied into {course / WORKSPACE}; edit them there "
                  "(git ignores the folder, so updates never conflict with your work).")
        else:
            restored, backup = restore(course, args.number)
            kept = f"; your version is kept as {backup.name}" if backup else ""
            print(f"restored {restored.relative_to(course)} from notebooks/{kept}.")
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
