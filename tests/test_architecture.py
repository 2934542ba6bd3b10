"""The import rules of STYLE.md "Four packages, one direction", checked on the source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"kiosk/cli.py", "kiosk/app.py", "kiosk/__main__.py"}
# package → packages it must never import
FORBIDDEN = {
    "kiosk": {"index", "sync", "ui", "PySide6"},
    "index": {"sync", "ui", "PySide6"},
    "sync": {"ui", "PySide6"},
}


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.If):  # TYPE_CHECKING blocks import nothing at run time
            continue
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_in_one_direction(package: str) -> None:
    offenders = []
    for path in modules(package):
        relative = path.relative_to(ROOT).as_posix()
        if relative in COMPOSITION_ROOT:
            # the composition root may wire the others, but only lazily inside functions
            bad = imports(path, top_level_only=True) & (FORBIDDEN[package] - {"PySide6"})
        else:
            bad = imports(path, top_level_only=False) & FORBIDDEN[package]
        offenders += [f"{relative} imports {name}" for name in sorted(bad)]
    assert not offenders, offenders


def test_qt_is_imported_only_under_ui() -> None:
    for package in ("kiosk", "index", "sync"):
        for path in modules(package):
            assert "PySide6" not in imports(path, top_level_only=False), path
