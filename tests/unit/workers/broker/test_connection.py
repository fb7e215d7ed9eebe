"""Broker security settings: validated together, secrets read from files, never shown."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from tests.integration.tls_material import TlsMaterial, create_tls_material
from workers.broker.connection import KafkaConnection
from workers.cli import main
from workers.errors import SettingsError
from workers.settings import load_settings

SASL = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "claims-adjudicator",
}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return create_tls_material(tmp_path_factory.mktemp("tls"))


def secret_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secret"
    path.write_text(text)
    return path


def test_plaintext_by_default_passes_only_the_protocol() -> None:
    connection = KafkaConnection.from_settings(load_settings(kafka_bootstrap_servers="b:9092"))
    assert connection.client_options() == {
        "bootstrap_servers": "b:9092",
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_ssl_password_file_wins_and_is_never_in_a_repr(
    tmp_path: Path, tls: TlsMaterial
) -> None:
    settings = load_settings(
        **SASL,
        kafka_sasl_password="from-variable",
        kafka_sasl_password_file=secret_file(tmp_path, "from-file\n"),
        kafka_ssl_ca_file=tls.ca_file,
    )
    connection = KafkaConnection.from_settings(settings)
    options = connection.security_options()
    assert options["sasl_plain_password"] == "from-file"  # trailing line break dropped
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].check_hostname
    for text in (repr(connection), repr(settings), str(settings.model_dump())):
        assert "from-file" not in text and "from-variable" not in text


def test_mutual_tls_and_an_encrypted_key(tls: TlsMaterial) -> None:
    settings = load_settings(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_file=tls.ca_file,
        kafka_ssl_cert_file=tls.client_cert_file,
        kafka_ssl_key_file=tls.client_encrypted_key_file,
        kafka_ssl_key_password_file=tls.client_key_password_file,
        kafka_ssl_check_hostname=False,
    )
    connection = KafkaConnection.from_settings(settings)
    assert connection.ssl_context is not None
    assert not connection.ssl_context.check_hostname
    assert connection.ssl_context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "needs CLAIMS_ADJ_KAFKA_SASL_USERNAME"),
        (SASL, "needs CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE"),
        ({"kafka_ssl_ca_file": "/ca.pem"}, "KAFKA_SSL_CA_FILE is set but "),
        ({"kafka_sasl_username": "u"}, "PROTOCOL=PLAINTEXT does not use it"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_cert_file": "/c.pem"},
            "needs both CLAIMS_ADJ_KAFKA_SSL_CERT_FILE and CLAIMS_ADJ_KAFKA_SSL_KEY_FILE",
        ),
        ({"kafka_security_protocol": "TLS"}, "CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL: Input should"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "CLAIMS_ADJ_KAFKA_SASL_MECHANISM: Input should"),
        ({"partitions": "zero"}, "invalid setting CLAIMS_ADJ_PARTITIONS: Input should be a valid"),
    ],
)
def test_inconsistent_settings_are_one_line_naming_the_variable(
    settings: dict[str, str], problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**settings)
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_files_that_cannot_serve(tmp_path: Path, tls: TlsMaterial) -> None:
    def error_of(**settings: object) -> str:
        with pytest.raises(SettingsError) as raised:
            KafkaConnection.from_settings(load_settings(**settings))  # type: ignore[arg-type]
        return str(raised.value)

    missing = tmp_path / "missing"
    assert "CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE: no file" in error_of(
        **SASL, kafka_sasl_password_file=missing
    )
    assert "is empty" in error_of(**SASL, kafka_sasl_password_file=secret_file(tmp_path, "\n"))
    assert "CLAIMS_ADJ_KAFKA_SSL_CA_FILE: " in error_of(
        kafka_security_protocol="SSL", kafka_ssl_ca_file=tls.client_key_password_file
    )
    mtls = {"kafka_security_protocol": "SSL", "kafka_ssl_ca_file": tls.ca_file}
    assert "does not belong to the certificate" in error_of(
        **mtls, kafka_ssl_cert_file=tls.client_cert_file, kafka_ssl_key_file=tls.broker_key_file
    )
    wrong = secret_file(tmp_path, "not-the-password")
    message = error_of(
        **mtls,
        kafka_ssl_cert_file=tls.client_cert_file,
        kafka_ssl_key_file=tls.client_encrypted_key_file,
        kafka_ssl_key_password_file=wrong,
    )
    assert "CLAIMS_ADJ_KAFKA_SSL_KEY_PASSWORD_FILE: it does not decrypt" in message
    assert "not-the-password" not in message


def test_cli_says_a_bad_setting_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMS_ADJ_PARTITIONS", "zero")
    assert main(["worker"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("claims-adjudicator worker: error: invalid setting CLAIMS_ADJ_PARTITIONS")
