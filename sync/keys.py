"""The portal's signing keys: one ed25519 key per TUF role, kept as PEM files in a keys folder.

``init_keys(DIR)`` writes ``root.key``, ``targets.key``, ``snapshot.key``, ``timestamp.key``
(mode 0600) and ``DIR/root.json``, the trusted root shipped to kiosks. ``rotate_keys`` replaces
role keys with a new root version signed by the old and the new root keys, so kiosks that trust the
old root follow the rotation (python-tuf's Updater walks ``N.root.json`` upward).

Keep the root key offline; only the timestamp/snapshot/targets keys need to be on the publishing
machine.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.metadata import Metadata, Root
from tuf.api.serialization.json import JSONSerializer

from kiosk.files import write_atomic
from sync.errors import SyncError

__all__ = [
    "ROLES",
    "ROOT_EXPIRES_DAYS",
    "init_keys",
    "load_root",
    "load_signers",
    "root_history",
    "rotate_keys",
]

ROLES = ("root", "targets", "snapshot", "timestamp")
#: Lifetime of a root version. Kiosks refuse an expired root, so rotate (or re-sign) before then.
ROOT_EXPIRES_DAYS = 5 * 365

_HISTORY = "root_history"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _write_private(path: Path, data: bytes) -> None:
    write_atomic(path, data, mode=0o600)


def _save_root(keys_dir: Path, root_md: Metadata[Root]) -> None:
    data = root_md.to_bytes(JSONSerializer(compact=False))
    history = keys_dir / _HISTORY
    history.mkdir(exist_ok=True)
    write_atomic(history / f"{root_md.signed.version}.root.json", data)
    write_atomic(keys_dir / "root.json", data)


def init_keys(keys_dir: Path, *, force: bool = False) -> Path:
    """Create the four role keys and the first root metadata in ``keys_dir``.

    Returns:
        The path of the trusted root (``keys_dir/root.json``) to ship with kiosks.

    Raises:
        SyncError: keys already exist there (pass ``force`` to replace them) or the folder is not
            writable.
    """
    keys_dir = Path(keys_dir)
    if not force and any((keys_dir / f"{role}.key").exists() for role in ROLES):
        raise SyncError(f"密钥目录 {keys_dir} 中已有密钥，未覆盖。 (keys already exist)")
    try:
        keys_dir.mkdir(parents=True, exist_ok=True)
        root = Root(expires=_now() + dt.timedelta(days=ROOT_EXPIRES_DAYS), consistent_snapshot=True)
        signers: dict[str, CryptoSigner] = {}
        for role in ROLES:
            signer = CryptoSigner.generate_ed25519()
            signers[role] = signer
            root.add_key(signer.public_key, role)
            _write_private(keys_dir / f"{role}.key", signer.private_bytes)
        root_md = Metadata(root)
        root_md.sign(signers["root"])
        _save_root(keys_dir, root_md)
    except OSError as e:
        raise SyncError(f"无法写入密钥目录 {keys_dir}：{e.strerror} (cannot write keys)") from e
    return keys_dir / "root.json"


def load_root(keys_dir: Path) -> Metadata[Root]:
    """The newest root metadata in ``keys_dir``."""
    path = Path(keys_dir) / "root.json"
    if not path.is_file():
        raise SyncError(f"密钥目录 {keys_dir} 中没有 root.json，请先运行 kiosk keys init。")
    try:
        return Metadata[Root].from_file(str(path))
    except Exception as e:
        raise SyncError(f"无法读取根元数据 {path}：{e}") from e


def root_history(keys_dir: Path) -> list[Path]:
    """Every root version in ``keys_dir``, oldest first."""
    history = Path(keys_dir) / _HISTORY
    files = history.glob("*.root.json") if history.is_dir() else []
    return sorted(files, key=lambda p: int(p.name.split(".", 1)[0]))


def _load_signer(path: Path) -> CryptoSigner:
    try:
        private = load_pem_private_key(path.read_bytes(), None)
    except FileNotFoundError:
        raise SyncError(f"缺少密钥文件 {path} (missing key file)") from None
    except (ValueError, TypeError, OSError) as e:
        raise SyncError(f"密钥文件 {path} 无法读取：{e}") from e
    return CryptoSigner(private)


def load_signers(keys_dir: Path, roles: Iterable[str] = ROLES) -> dict[str, Signer]:
    """Signers for ``roles`` from ``keys_dir``, checked against the root's key ids.

    Raises:
        SyncError: a key file is missing, unreadable, or not the key the root names for its role.
    """
    keys_dir = Path(keys_dir)
    root = load_root(keys_dir).signed
    signers: dict[str, Signer] = {}
    for role in roles:
        signer = _load_signer(keys_dir / f"{role}.key")
        if signer.public_key.keyid not in root.roles[role].keyids:
            raise SyncError(
                f"密钥 {role}.key 与根元数据不符，不能用于签名。 (key does not match the root)"
            )
        signers[role] = signer
    return signers


def rotate_keys(keys_dir: Path, roles: Iterable[str]) -> Path:
    """Replace the keys of ``roles`` with new ones and write the next root version.

    The new root is signed by the current root key and, if the root key itself is rotated, by the
    new one too, so kiosks trusting the old root accept it. The replaced private keys are kept as
    ``<role>.key.<old root version>``.

    Returns:
        The path of the new root version.
    """
    keys_dir = Path(keys_dir)
    roles = list(roles)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise SyncError(f"未知角色：{', '.join(sorted(unknown))} (unknown role)")
    root_md = load_root(keys_dir)
    root = root_md.signed
    old_root_signer = load_signers(keys_dir, ["root"])["root"]
    old_version = root.version
    new_signers: dict[str, CryptoSigner] = {}
    for role in roles:
        for keyid in list(root.roles[role].keyids):
            root.revoke_key(keyid, role)
        signer = CryptoSigner.generate_ed25519()
        root.add_key(signer.public_key, role)
        new_signers[role] = signer
    root.version += 1
    root.expires = _now() + dt.timedelta(days=ROOT_EXPIRES_DAYS)
    root_md.signatures.clear()
    root_md.sign(old_root_signer, append=True)
    if "root" in new_signers:
        root_md.sign(new_signers["root"], append=True)
    try:
        for role, signer in new_signers.items():
            key_path = keys_dir / f"{role}.key"
            os.replace(key_path, keys_dir / f"{role}.key.{old_version}")
            _write_private(key_path, signer.private_bytes)
        _save_root(keys_dir, root_md)
    except OSError as e:
        raise SyncError(f"无法写入密钥目录 {keys_dir}：{e.strerror}") from e
    return keys_dir / _HISTORY / f"{root.version}.root.json"
