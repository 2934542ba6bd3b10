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


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _run_at_import(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run when the module is imported: the top level, including the bodies
    of top-level ``if``/``try``/``with`` (but not ``if TYPE_CHECKING:``, and not functions)."""
    found: list[ast.stmt] = []
    for node in statements:
        found.append(node)
        if isinstance(node, ast.If):
            if not _is_type_checking(node):
                found += _run_at_import(node.body)
            found += _run_at_import(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody):
                found += _run_at_import(block)
            for handler in node.handlers:
                found += _run_at_import(handler.body)
        elif isinstance(node, ast.With):
            found += _run_at_import(node.body)
    return found


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = (
        list(_run_at_import(tree.body)) if top_level_only else list(ast.walk(tree))
    )
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_import_check_sees_imports_under_top_level_if_and_try(tmp_path: Path) -> None:
    module = tmp_path / "root.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import ui\n"
        "if True:\n    import sync\n"
        "try:\n    import index\nexcept ImportError:\n    pass\n"
        "def lazy():\n    import PySide6\n",
        encoding="utf-8",
    )
    assert imports(module, top_level_only=True) == {"typing", "sync", "index"}


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


#: The only modules that may import SQLAlchemy: the store and its table models.
STORE = {"kiosk/store.py", "kiosk/_tables.py"}


def test_sqlalchemy_stays_inside_the_store() -> None:
    offenders = []
    for package in ("kiosk", "index", "sync", "ui", "tests", "bench"):
        for path in modules(package):
            relative = path.relative_to(ROOT).as_posix()
            if relative not in STORE and "sqlalchemy" in imports(path, top_level_only=False):
                offenders.append(relative)
    assert not offenders, offenders


def test_every_test_folder_is_a_package() -> None:
    # without tests/sync/__init__.py, tests/sync/synckit.py was importable both as ``synckit`` and
    # ``tests.sync.synckit``: two copies of one module, each with its own classes and state
    folders = {p.parent for p in (ROOT / "tests").rglob("test_*.py")}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, missing
