"""The session's secured broker: what the ``secure_broker`` fixture (conftest.py) returns.

One broker, four listeners, every client listener advertised as ``127.0.0.1:<port>``:

* ``PLAINTEXT`` - for test-side checks (topic creation, committed offsets); inter-broker traffic;
* ``SASL`` - SASL_SSL, SCRAM-SHA-512, user ``claims-adjudicator`` with a random per-session
  password, server certificate from :mod:`tests.integration.tls_material`;
* ``MTLS`` - SSL with ``ssl.client.auth=required`` (on this listener only): a client certificate
  signed by the test CA is the credential;
* ``CONTROLLER`` - PLAINTEXT, not published.

Either a container of the broker image (configured through its ``KAFKA_*`` variables, the TLS
directory and the SCRAM credentials file mounted read-only) or, when ``KAFKA_BOOTSTRAP_SERVERS``
is set (no docker engine), a second ``deploy/kafka/local-broker`` process in a run dir of its
own. The password is never printed: it lives in files (0600) and in
:attr:`SecureBroker.password`, which is left out of the object's repr.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tests.integration.kafka_util import LOCAL_BROKER
from tests.integration.tls_material import TlsMaterial, create_tls_material, write_secret

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

ClientKind = Literal["sasl_ssl", "mtls"]

USERNAME = "claims-adjudicator"
MECHANISM = "SCRAM-SHA-512"
# Listener names without '_' (the entrypoint's env mapping reads '_' as '.').
PLAINTEXT_LISTENER, SASL_LISTENER, MTLS_LISTENER = "PLAINTEXT", "SASL", "MTLS"
SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
BROKER_UID = 1000  # the image's appuser
CONTAINER_TLS_DIR = "/etc/kafka/tls"
CONTAINER_SCRAM_FILE = "/etc/kafka/scram-credentials"
LOCAL_START_TIMEOUT_S = 120


@dataclass(frozen=True)
class SecureBrokerSetup:
    """Files made before the broker starts: PKI, client password file, SCRAM credentials."""

    directory: Path
    tls: TlsMaterial
    password: str = field(repr=False)
    password_file: Path  # for the client (CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE), 0600
    scram_credentials_file: Path  # for the broker (--add-scram lines), 0600


@dataclass(frozen=True)
class SecureBroker:
    """The running secured broker: bootstrap addresses, credentials, client settings."""

    plaintext_bootstrap: str
    sasl_ssl_bootstrap: str
    mtls_bootstrap: str
    username: str
    password: str = field(repr=False)
    mechanism: str
    tls: TlsMaterial
    password_file: Path
    mode: Literal["container", "local-broker"]
    container: DockerContainer | None = field(default=None, repr=False, compare=False)
    local_dir: Path | None = None
    start_output: str = field(default="", repr=False)  # local-broker start's stderr

    def client_env(self, kind: ClientKind, *, encrypted_key: bool = False) -> dict[str, str]:
        """The worker's ``CLAIMS_ADJ_KAFKA_*`` variables for a ``sasl_ssl`` or ``mtls`` client.

        The SASL password comes as a file (``..._SASL_PASSWORD_FILE``), never as a value. With
        ``encrypted_key`` (mtls) the key is the encrypted copy, its password in
        ``CLAIMS_ADJ_KAFKA_SSL_KEY_PASSWORD_FILE``.
        """
        if kind == "sasl_ssl":
            return {
                "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS": self.sasl_ssl_bootstrap,
                "CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "CLAIMS_ADJ_KAFKA_SASL_MECHANISM": self.mechanism,
                "CLAIMS_ADJ_KAFKA_SASL_USERNAME": self.username,
                "CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE": str(self.password_file),
                "CLAIMS_ADJ_KAFKA_SSL_CA_FILE": str(self.tls.ca_file),
            }
        if kind == "mtls":
            env = {
                "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS": self.mtls_bootstrap,
                "CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL": "SSL",
                "CLAIMS_ADJ_KAFKA_SSL_CA_FILE": str(self.tls.ca_file),
                "CLAIMS_ADJ_KAFKA_SSL_CERT_FILE": str(self.tls.client_cert_file),
                "CLAIMS_ADJ_KAFKA_SSL_KEY_FILE": str(self.tls.client_key_file),
            }
            if encrypted_key:
                env["CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"] = str(self.tls.client_encrypted_key_file)
                env["CLAIMS_ADJ_KAFKA_SSL_KEY_PASSWORD_FILE"] = str(
                    self.tls.client_key_password_file
                )
            return env
        raise ValueError(f"kind must be 'sasl_ssl' or 'mtls', not {kind!r}")

    def broker_log(self) -> str:
        """Everything the broker printed so far: the container's log, or local-broker's
        output at start (storage format included) and the local broker's log files."""
        if self.container is not None:
            out, err = self.container.get_logs()
            return (out + err).decode(errors="replace")
        assert self.local_dir is not None
        return self.start_output + "".join(
            p.read_text(errors="replace")
            for p in sorted(self.local_dir.glob("broker.log*"))
            if p.is_file()
        )


def prepare_secure_broker(directory: Path) -> SecureBrokerSetup:
    """PKI in ``directory/tls``, a random password, its client file and the SCRAM credentials."""
    tls = create_tls_material(directory / "tls")
    password = secrets.token_hex(24)  # hex: nothing kafka-storage's [name=..,password=..] parses
    password_file = write_secret(directory / "sasl-password", password)
    scram = write_secret(
        directory / "scram-credentials", f"{MECHANISM}=[name={USERNAME},password={password}]\n"
    )
    return SecureBrokerSetup(directory, tls, password, password_file, scram)


def _broker(
    setup: SecureBrokerSetup,
    ports: tuple[int, int, int],
    mode: Literal["container", "local-broker"],
    *,
    container: DockerContainer | None = None,
    local_dir: Path | None = None,
    start_output: str = "",
) -> SecureBroker:
    plaintext, sasl, mtls = (f"127.0.0.1:{port}" for port in ports)
    return SecureBroker(
        plaintext_bootstrap=plaintext,
        sasl_ssl_bootstrap=sasl,
        mtls_bootstrap=mtls,
        username=USERNAME,
        password=setup.password,
        mechanism=MECHANISM,
        tls=setup.tls,
        password_file=setup.password_file,
        mode=mode,
        container=container,
        local_dir=local_dir,
        start_output=start_output,
    )


# ----------------------------------------------------------------------------- container
def container_listeners(plaintext: int, sasl: int, mtls: int) -> dict[str, int]:
    """Listener name -> port (published as the same port on 127.0.0.1), PLAINTEXT first."""
    return {PLAINTEXT_LISTENER: plaintext, SASL_LISTENER: sasl, MTLS_LISTENER: mtls}


def container_env() -> dict[str, str]:
    """The image's ``KAFKA_*`` variables for the TLS/SASL listeners (generic mapping only)."""
    return {
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": (
            f"{PLAINTEXT_LISTENER}:PLAINTEXT,CONTROLLER:PLAINTEXT,"
            f"{SASL_LISTENER}:SASL_SSL,{MTLS_LISTENER}:SSL"
        ),
        "KAFKA_SSL_KEYSTORE_TYPE": "PEM",
        "KAFKA_SSL_KEYSTORE_LOCATION": f"{CONTAINER_TLS_DIR}/broker-keystore.pem",
        "KAFKA_SSL_TRUSTSTORE_TYPE": "PEM",
        "KAFKA_SSL_TRUSTSTORE_LOCATION": f"{CONTAINER_TLS_DIR}/ca.pem",
        f"KAFKA_LISTENER_NAME_{MTLS_LISTENER}_SSL_CLIENT_AUTH": "required",
        "KAFKA_SASL_ENABLED_MECHANISMS": MECHANISM,
        # listener.name.sasl.scram-sha-512.sasl.jaas.config ('-' is '___' in the mapping)
        "KAFKA_LISTENER_NAME_SASL_SCRAM___SHA___512_SASL_JAAS_CONFIG": SCRAM_JAAS,
        "KAFKA_SCRAM_CREDENTIALS_FILE": CONTAINER_SCRAM_FILE,
    }


def container_volumes(setup: SecureBrokerSetup) -> list[tuple[Path, str]]:
    """(host path, container path) pairs, mounted read-only.

    The broker in the container runs as uid 1000 and must read the 0600 SCRAM file through the
    bind mount: as root it is handed to that uid (still 0600; on the host it sits in pytest's
    0700 tmp dir, so no host user reaches it), otherwise (rootless engine, unknown uid mapping)
    it is made 0644, still behind that 0700 dir.
    """
    if os.geteuid() == 0:
        os.chown(setup.scram_credentials_file, BROKER_UID, BROKER_UID)
    else:
        setup.scram_credentials_file.chmod(0o644)
    return [
        (setup.tls.directory, CONTAINER_TLS_DIR),
        (setup.scram_credentials_file, CONTAINER_SCRAM_FILE),
    ]


def container_broker(
    setup: SecureBrokerSetup, container: DockerContainer, ports: tuple[int, int, int]
) -> SecureBroker:
    return _broker(setup, ports, "container", container=container)


# ----------------------------------------------------------------------------- local process
@dataclass(frozen=True)
class LocalSecureBroker:
    """A second ``deploy/kafka/local-broker`` with the secured listeners, in its own run dir."""

    setup: SecureBrokerSetup
    run_dir: Path
    plaintext_port: int
    controller_port: int
    sasl_ssl_port: int
    mtls_port: int

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KAFKA_LOCAL_DIR=str(self.run_dir),
            KAFKA_LOCAL_PORT=str(self.plaintext_port),
            KAFKA_LOCAL_CONTROLLER_PORT=str(self.controller_port),
            KAFKA_LOCAL_SASL_SSL_PORT=str(self.sasl_ssl_port),
            KAFKA_LOCAL_MTLS_PORT=str(self.mtls_port),
            KAFKA_LOCAL_TLS_DIR=str(self.setup.tls.directory),
            KAFKA_LOCAL_SCRAM_CREDENTIALS_FILE=str(self.setup.scram_credentials_file),
            KAFKA_LOCAL_START_TIMEOUT=str(LOCAL_START_TIMEOUT_S),
        )
        return env

    def _run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(LOCAL_BROKER), command],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=LOCAL_START_TIMEOUT_S + 60,
            check=False,
        )

    def start(self) -> SecureBroker:
        """Start it and wait until ready; ``RuntimeError`` (with local-broker's stderr) if not."""
        proc = self._run("start")
        lines = proc.stdout.strip().splitlines()
        expected = f"127.0.0.1:{self.plaintext_port}"
        if proc.returncode != 0 or not lines or lines[-1] != expected:
            raise RuntimeError(
                f"deploy/kafka/local-broker start (run dir {self.run_dir}) failed "
                f"(exit {proc.returncode}, stdout {proc.stdout.strip()!r}):\n{proc.stderr[-6000:]}"
            )
        ports = (self.plaintext_port, self.sasl_ssl_port, self.mtls_port)
        return _broker(
            self.setup, ports, "local-broker", local_dir=self.run_dir, start_output=proc.stderr
        )

    def stop(self) -> None:
        proc = self._run("stop")
        if proc.returncode != 0:
            raise RuntimeError(f"deploy/kafka/local-broker stop failed:\n{proc.stderr}")
