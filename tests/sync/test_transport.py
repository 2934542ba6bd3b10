"""Transport: a real HTTPS server on 127.0.0.1 with a CA made in the test; the configured CA
bundle wins over the environment; a certificate error is named as one; an
interrupted download resumes on the next sync; an idle poll is a few hundred bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync import SyncError
from sync.client import SyncConfig
from tests.sync.synckit import FAST, FeedServer, Kiosk, Portal, doc


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


_CA_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


def _ca(folder: Path, label: str) -> tuple[Path, ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(label)).issuer_name(_name(label))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # Python 3.13 verifies strictly (VERIFY_X509_STRICT): a CA states its key's uses and id
        .add_extension(_CA_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    path = folder / f"{label}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, key, cert


def _server_context(folder: Path, ca_key: ec.EllipticCurvePrivateKey,
                    ca: x509.Certificate) -> ssl.SSLContext:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        # …and a certificate it signs names the key that signed it
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.fixture
def https(portal: Portal, tmp_path: Path) -> Iterator[tuple[FeedServer, Path, Path]]:
    """An HTTPS feed server whose certificate comes from a CA made here, plus a stranger CA."""
    certs = tmp_path / "certs"
    certs.mkdir()
    ca_path, ca_key, ca = _ca(certs, "county-ca")
    stranger, _, _ = _ca(certs, "stranger-ca")
    portal.feed.mkdir(parents=True, exist_ok=True)
    server = FeedServer(portal.feed, tls=_server_context(certs, ca_key, ca))
    yield server, ca_path, stranger
    server.close()


def _with_ca(ca: Path | None, **fetcher: object) -> SyncConfig:
    return dataclasses.replace(
        FAST, fetcher=dataclasses.replace(FAST.fetcher, ca_bundle=str(ca) if ca else None,
                                          **fetcher)  # type: ignore[arg-type]
    )  # fmt: skip


def test_https_with_the_configured_ca_even_when_the_environment_names_another(
    portal: Portal, https: tuple[FeedServer, Path, Path], kiosk: Kiosk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    server, ca, stranger = https
    assert server.url.startswith("https://")
    portal.publish([doc(1)])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stranger))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(stranger))
    assert kiosk.sync(server.url, config=_with_ca(ca)).added == 1


def test_a_certificate_error_is_named_as_one_and_not_retried(
    portal: Portal, https: tuple[FeedServer, Path, Path], kiosk: Kiosk
) -> None:
    server, _ca_path, stranger = https
    portal.publish([doc(1)])
    with pytest.raises(SyncError, match="证书") as raised:
        kiosk.sync(server.url, config=_with_ca(stranger))
    assert "网络不通" not in str(raised.value)
    assert server.count("timestamp.json") == 0  # no request got through, none retried


def test_cli_sync_honours_the_ca_bundle_setting(
    portal: Portal, https: tuple[FeedServer, Path, Path], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from kiosk.cli import cli
    from kiosk.settings import SyncSettings
    from kiosk.store import Store

    server, ca, _ = https
    portal.publish([doc(1)])
    data = tmp_path / "cli-kiosk"
    store = Store.in_dir(data)
    SyncSettings(feed_url=server.url + "/", ca_bundle=str(ca)).save(store)
    store.close()
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "sync", "--once",
                                      "--trusted-root", str(portal.keys / "root.json")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def test_an_interrupted_download_resumes_on_the_next_sync(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(1, body=os.urandom(150_000).hex())])
    size = next((portal.feed / "targets" / "batches").glob("*.000001.jsonl.gz")).stat().st_size
    server.fault(".000001.jsonl.gz", "reset", times=FAST.fetcher.retries + 1)
    with pytest.raises(SyncError):
        kiosk.sync(server.url)
    ranges_before = len(server.ranges)
    result = kiosk.sync(server.url)
    assert result.added == 1
    assert len(server.ranges) == ranges_before + 1  # the next sync asked for the rest only
    assert result.bytes < size


def test_an_idle_poll_is_a_few_hundred_bytes(
    portal: Portal, server: FeedServer, kiosk: Kiosk
) -> None:
    portal.publish([doc(i) for i in range(300)])
    kiosk.sync(server.url)
    before = server.bytes_sent
    idle = kiosk.sync(server.url)
    assert idle.batches == []
    assert server.count("batches.json") == 1  # the index is not fetched again
    assert server.bytes_sent - before < 1000, server.bytes_sent - before
