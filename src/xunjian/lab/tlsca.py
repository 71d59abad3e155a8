"""The lab's own certificate authority: made once into ``<labdir>/tls``, signing server certificates
for loopback addresses (IP SANs), so clients can verify the lab servers (``sslmode=verify-full``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 825
RENEW_BEFORE = dt.timedelta(days=30)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    tmp.replace(path)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp.chmod(0o644)
    tmp.replace(path)


def _fresh(cert_path: Path) -> x509.Certificate | None:
    """The certificate at ``cert_path`` unless it is missing, unreadable or about to expire."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return None
    if cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < RENEW_BEFORE:
        return None
    return cert


def _builder(subject: str, issuer: x509.Name, days: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def ensure_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The lab CA (``ca.crt``, ``ca.key`` in ``directory``), created if missing or expiring."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    cert_path, key_path = directory / "ca.crt", directory / "ca.key"
    cert = _fresh(cert_path)
    if cert is not None and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return cert, key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xunjian lab CA")])
    cert = (
        _builder("xunjian lab CA", name, CA_DAYS)
        .public_key(key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
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
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert, key


def ensure_server_cert(directory: Path, name: str, addresses: Sequence[str]) -> tuple[Path, Path]:
    """``<name>.crt`` and ``<name>.key`` for ``addresses``, signed by the lab CA; (re)made when
    missing, expiring, for other addresses or signed by an older CA. Returns (cert, key)."""
    ca_cert, ca_key = ensure_ca(directory)
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    ips = [ipaddress.ip_address(a) for a in addresses]
    cert = _fresh(cert_path)
    if cert is not None and key_path.exists() and cert.issuer == ca_cert.subject:
        try:
            cert.verify_directly_issued_by(ca_cert)
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            if sorted(san.get_values_for_type(x509.IPAddress), key=str) == sorted(ips, key=str):
                return cert_path, key_path
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            pass
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(addresses[0], ca_cert.subject, SERVER_DAYS)
        .public_key(key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip) for ip in ips]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path
