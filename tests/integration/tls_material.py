"""A throwaway PKI for the secured test broker, written as PEM files (``cryptography``).

:func:`create_tls_material` writes into one directory:

* ``ca.pem`` - the private test CA (its key is never written);
* ``broker.pem``, ``broker.key`` - the broker certificate signed by that CA, SAN ``IP:127.0.0.1``
  plus the caller's DNS names and nothing else: no ``localhost``, so that connecting through
  ``localhost`` is a hostname mismatch a test can provoke; ``broker-keystore.pem`` - key then
  certificate, the one file Kafka's PEM keystore (``ssl.keystore.location``) reads;
* ``client.pem``, ``client.key`` - a client certificate (CN=claims-adjudicator) for mutual TLS;
  ``client-encrypted.key`` - the same key encrypted (PKCS#8, PBES2) with the password in
  ``client-key-password.txt`` (no trailing newline) (for a ``*_KEY_PASSWORD_FILE`` setting);
* ``other-ca.pem`` - an unrelated CA, for "untrusted CA" tests.

Private keys are PKCS#8 (``BEGIN PRIVATE KEY``), EC P-256: what Kafka 4.3.1's PEM keystore loads
and what Python's ``ssl`` loads. The directory and PEM files are world-readable (the broker
container runs as uid 1000); the key password file is 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CLIENT_COMMON_NAME = "claims-adjudicator"
BROKER_COMMON_NAME = "claims-adjudicator test broker"
VALIDITY = dt.timedelta(days=2)
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TlsMaterial:
    """Paths of the PEM files :func:`create_tls_material` wrote (all in ``directory``)."""

    directory: Path
    ca_file: Path
    broker_cert_file: Path
    broker_key_file: Path
    broker_keystore_file: Path
    client_cert_file: Path
    client_key_file: Path
    client_encrypted_key_file: Path
    client_key_password_file: Path
    other_ca_file: Path
    broker_dns_names: tuple[str, ...] = ()


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "claims-adjudicator tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    common_name: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    usage: x509.ObjectIdentifier,
    san: Sequence[x509.GeneralName] = (),
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = _key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(san)), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    path.chmod(mode)
    return path


def write_secret(path: Path, secret: str) -> Path:
    """Write ``secret`` (no trailing newline) to a new file that only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        f.write(secret)
    return path


def create_tls_material(directory: Path, *, broker_dns_names: Sequence[str] = ()) -> TlsMaterial:
    """Create a fresh CA, broker and client certificates and an unrelated CA in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    tag = secrets.token_hex(4)  # distinct subjects per session: no stale cert looks valid
    ca = _ca(f"claims-adjudicator test CA {tag}")
    other_ca_cert, _ = _ca(f"claims-adjudicator unrelated CA {tag}")
    san: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    san.extend(x509.DNSName(name) for name in broker_dns_names)
    broker_cert, broker_key = _leaf(BROKER_COMMON_NAME, ca, ExtendedKeyUsageOID.SERVER_AUTH, san)
    client_cert, client_key = _leaf(CLIENT_COMMON_NAME, ca, ExtendedKeyUsageOID.CLIENT_AUTH)
    key_password = secrets.token_hex(16)

    password_file = write_secret(directory / "client-key-password.txt", key_password)
    return TlsMaterial(
        directory=directory,
        ca_file=_write(directory / "ca.pem", _cert_pem(ca[0])),
        broker_cert_file=_write(directory / "broker.pem", _cert_pem(broker_cert)),
        broker_key_file=_write(directory / "broker.key", _key_pem(broker_key)),
        broker_keystore_file=_write(
            directory / "broker-keystore.pem", _key_pem(broker_key) + _cert_pem(broker_cert)
        ),
        client_cert_file=_write(directory / "client.pem", _cert_pem(client_cert)),
        client_key_file=_write(directory / "client.key", _key_pem(client_key)),
        client_encrypted_key_file=_write(
            directory / "client-encrypted.key", _key_pem(client_key, key_password.encode())
        ),
        client_key_password_file=password_file,
        other_ca_file=_write(directory / "other-ca.pem", _cert_pem(other_ca_cert)),
        broker_dns_names=tuple(broker_dns_names),
    )
