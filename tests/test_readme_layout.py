"""README's "What is inside" tree names the package's real layout (issue 11): every
subpackage and top-level module, every model, training and NumPy-engine file, and nothing
that does not exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tree() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## What is inside", 1)[1]
    return section.split("```", 2)[1]


def test_every_part_of_the_package_is_in_the_tree():
    tree = _tree()
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", tree))
    nnlib = ROOT / "nnlib"
    missing = [f"{d.name}/" for d in nnlib.iterdir()
               if d.is_dir() and (d / "__init__.py").exists() and f"{d.name}/" not in tree]
    missing += [f.name for f in nnlib.glob("*.py") if f.name != "__init__.py"
                and f.name not in tree]
    for package in ("models", "train", "scratch", "autograd"):  # each file, by its name
        missing += [f"{package}/{f.stem}" for f in (nnlib / package).glob("*.py")
                    if not f.stem.startswith("_") and f.stem not in words]
    assert not missing, f"README's 'What is inside' leaves out {missing}"


def test_every_file_the_tree_names_exists():
    tree = _tree()
    nnlib = ROOT / "nnlib"
    names = set(re.findall(r"\b([a-z_]+\.py)\b", tree))
    known = {p.name for p in ROOT.rglob("*.py") if ".venv" not in p.parts
             and "build" not in p.parts}
    assert not names - known, f"README names files that do not exist: {sorted(names - known)}"
    folders = set(re.findall(r"^\s*([a-z_]+)/", tree, flags=re.M))
    absent = [f for f in folders if not (nnlib / f).is_dir() and not (ROOT / f).is_dir()]
    assert not absent, f"README names folders that do not exist: {absent}"
