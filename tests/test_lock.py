"""requirements.lock pins everything pyproject.toml asks for (scripts/setup installs from it)."""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked_versions(text: str, *, here_only: bool = False) -> dict[str, str]:
    """Name → pinned version; ``here_only`` drops pins whose marker excludes this machine."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec = Requirement(line)
        assert [s.operator for s in spec.specifier] == ["=="], f"not pinned with ==: {line!r}"
        if here_only and spec.marker is not None and not spec.marker.evaluate():
            continue
        pins[canonicalize_name(spec.name)] = next(iter(spec.specifier)).version
    return pins


def test_every_dependency_is_locked_at_an_allowed_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = locked_versions((ROOT / "requirements.lock").read_text("utf-8"))
    stale = []
    for spec in map(Requirement, wanted):
        version = pins.get(canonicalize_name(spec.name))
        if version is None or not spec.specifier.contains(version, prereleases=True):
            stale.append(f"{spec} (locked: {version or 'missing'})")
    assert not stale, "requirements.lock is out of date, run scripts/lock: " + ", ".join(stale)


def test_locked_versions_are_the_installed_ones() -> None:
    pins = locked_versions((ROOT / "requirements.lock").read_text("utf-8"), here_only=True)
    drift = []
    for name, pinned in pins.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            drift.append(f"{name} not installed")
            continue
        if installed != pinned:
            drift.append(f"{name} {installed} installed, {pinned} locked")
    assert not drift, (
        "the environment does not match requirements.lock (run scripts/setup): " + ", ".join(drift)
    )
