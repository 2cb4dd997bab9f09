"""Transport security (issue 10, item 6): HTTPS certificates are verified for 管易云 (direct and 奇门) and 精诚.

The sandbox's own simulators are served over TLS on loopback with certificates made here: self-signed, for another
host, expired. Each is refused before anything is sent, with a message naming the certificate's problem; the same
server is accepted when its certificate is given as the CA file; turning verification off works, and is logged.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import ssl
from pathlib import Path

import pytest

from core import connection_check, settings
from core.errors import ConfigError, NetworkError
from core.sandbox import Sandbox
from core.sandbox.guanyi_sim import DIRECT_PATH, QIMEN_PATH
from core.sandbox.httpserver import SandboxServer
from core.store import SyncLog
from tests.support.pushing import load_returns, ready_codes

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

END = datetime.datetime(2024, 6, 10, 15, 0, 0)
DAYS = ("2024-06-08", "2024-06-10")


def make_certificate(folder: Path, *, host: str = "127.0.0.1", days: tuple[int, int] = (-1, 1)) -> ssl.SSLContext:
    """A self-signed certificate for ``host`` (an IP or a DNS name) valid over ``days`` from now, written to
    ``folder/cert.pem``; returns a server context that presents it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, host)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0]))
            .not_valid_after(now + datetime.timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName([alt]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


class TlsSandbox:
    """The sandbox's 管易云 (direct and 奇门) and 精诚 simulators, each served over HTTPS with ``context``."""

    def __init__(self, context: ssl.SSLContext, **options: object) -> None:
        self.sandbox = Sandbox(**{"returns": 30, "days": 4, "seed": 11, "end": END, **options})
        self.servers: list[SandboxServer] = []
        for app in (self.sandbox.guanyi, self.sandbox.jingcheng):
            server = SandboxServer("127.0.0.1", 0, app)
            # Before start(): the serving loop watches the socket it was started with.
            server.socket = context.wrap_socket(server.socket, server_side=True)
            server.start()
            self.servers.append(server)
        base = [f"https://127.0.0.1:{server.port}" for server in self.servers]
        self.guanyi_url, self.qimen_url = base[0] + DIRECT_PATH, base[0] + QIMEN_PATH
        self.jingcheng_url = base[1]

    def close(self) -> None:
        for server in self.servers:
            server.stop()

    def use(self, cli, transport: str = "direct") -> None:
        """Settings and credentials of a user whose 管易云 and 精诚 are these servers."""
        credentials = self.sandbox.credentials
        for key, value in [("guanyi.transport", transport), ("guanyi.url", self.guanyi_url),
                           ("qimen.url", self.qimen_url), ("jingcheng.url", self.jingcheng_url),
                           ("jingcheng.auth", self.sandbox.jingcheng_auth), ("jingcheng.connect_timeout", "3"),
                           ("jingcheng.read_timeout", "3"), ("guanyi.retries", "1")]:
            assert cli("config", "set", key, value).code == 0
        for kind in ("guanyi", "qimen", "jingcheng"):
            stored = cli("credentials", "set", kind, stdin=json.dumps(credentials[kind]))
            assert stored.code == 0, stored.stderr


@pytest.fixture
def self_signed(tmp_path, cli, db):
    context = make_certificate(tmp_path / "self")
    servers = TlsSandbox(context)
    servers.cert = tmp_path / "self" / "cert.pem"
    servers.use(cli)
    yield servers
    servers.close()


def _refused(result, *words: str) -> None:
    text = result.stdout + result.stderr
    assert result.code == 3, text
    assert "Traceback" not in text
    for word in words:
        assert word in text, text


@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_guanyi_refuses_a_self_signed_certificate_and_names_it(cli, self_signed, transport):
    assert cli("config", "set", "guanyi.transport", transport).code == 0
    _refused(cli("pull", "--from", DAYS[0], "--to", DAYS[1]), "自签名证书", "self-signed certificate", "guanyi.ca_file")
    _refused(cli("--lang", "en", "pull", "--from", DAYS[0], "--to", DAYS[1]),
             "did not verify: self-signed certificate", "guanyi.ca_file")


def test_jingcheng_refuses_a_self_signed_certificate_and_sends_nothing(cli, self_signed):
    load_returns(self_signed.sandbox)
    code = ready_codes()[0]
    result = cli("push", code)
    _refused(result, "自签名证书", "self-signed certificate", "jingcheng.ca_file")
    assert self_signed.sandbox.jingcheng.sheets == []
    assert cli("push", code, "--json").json()["items"][0]["status"] in ("failed", "not_sent")
    english = cli("--lang", "en", "push", code)
    _refused(english, "did not verify: self-signed certificate")


def test_the_connection_checks_name_the_certificate(self_signed):
    with pytest.raises(NetworkError) as caught:
        connection_check.check_jingcheng()
    assert "自签名证书" in caught.value.zh and "self-signed certificate" in caught.value.en
    with pytest.raises(NetworkError) as caught:
        connection_check.check_guanyi()
    assert "self-signed certificate" in caught.value.en


@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_the_certificate_given_as_ca_file_is_accepted(cli, self_signed, transport):
    for key, value in [("guanyi.transport", transport), ("guanyi.ca_file", str(self_signed.cert)),
                       ("jingcheng.ca_file", str(self_signed.cert))]:
        assert cli("config", "set", key, value).code == 0
    pulled = cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json")
    assert pulled.code == 0, pulled.stdout + pulled.stderr
    assert pulled.json()["count"] > 0
    code = ready_codes()[0]
    pushed = cli("push", code, "--json")
    assert pushed.code == 0, pushed.stdout + pushed.stderr
    assert self_signed.sandbox.jingcheng.sheet_ids() == [code]
    assert "连接成功" in connection_check.check_guanyi()
    assert "HTTP" in connection_check.check_jingcheng()


def _server_with(tmp_path, cli, name: str, **certificate: object) -> TlsSandbox:
    """Servers presenting a certificate that is trusted (it is the CA file) but wrong in another way."""
    servers = TlsSandbox(make_certificate(tmp_path / name, **certificate))
    servers.use(cli)
    for system in ("guanyi", "jingcheng"):
        assert cli("config", "set", f"{system}.ca_file", str(tmp_path / name / "cert.pem")).code == 0
    return servers


def test_a_certificate_for_another_host_is_refused(tmp_path, cli, db):
    servers = _server_with(tmp_path, cli, "other", host="returns.example.com")
    try:
        _refused(cli("--lang", "en", "pull", "--from", DAYS[0], "--to", DAYS[1]), "mismatch")
        _refused(cli("pull", "--from", DAYS[0], "--to", DAYS[1]), "证书与地址中的")
    finally:
        servers.close()


def test_an_expired_certificate_is_refused(tmp_path, cli, db):
    servers = _server_with(tmp_path, cli, "expired", days=(-30, -1))
    try:
        _refused(cli("--lang", "en", "pull", "--from", DAYS[0], "--to", DAYS[1]), "certificate has expired")
        _refused(cli("pull", "--from", DAYS[0], "--to", DAYS[1]), "证书已过期")
        load_returns(servers.sandbox)
        _refused(cli("--lang", "en", "push", ready_codes()[0]), "certificate has expired")
        assert servers.sandbox.jingcheng.sheets == []
    finally:
        servers.close()


def test_turning_verification_off_is_visible_and_logged(cli, self_signed, data_dir, caplog):
    for system in ("guanyi", "jingcheng"):
        shown = cli("config", "show")
        assert f"{system}.verify_tls" in shown.stdout
        assert cli("config", "set", f"{system}.verify_tls", "off").code == 0
    with caplog.at_level(logging.WARNING, logger="core.tls"):
        pulled = cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json")
        assert pulled.code == 0, pulled.stdout + pulled.stderr
        code = ready_codes()[0]
        pushed = cli("push", code, "--json")
    assert pushed.code == 0, pushed.stdout + pushed.stderr
    assert "InsecureRequestWarning" not in pulled.stderr + pushed.stderr
    warned = [r.getMessage() for r in caplog.records if r.name == "core.tls"]
    assert any("guanyi.verify_tls" in m for m in warned) and any("jingcheng.verify_tls" in m for m in warned)
    rows = [row.message for row in SyncLog.select().where(SyncLog.action == "tls")]
    assert any("guanyi.verify_tls" in m for m in rows) and any("jingcheng.verify_tls" in m for m in rows)
    assert all(row.status == "warning" for row in SyncLog.select().where(SyncLog.action == "tls"))


def test_the_warning_reaches_the_log_file(self_signed, data_dir):
    from core.app import open_app
    from core.store import close_database

    settings.set_value("jingcheng.verify_tls", "off")
    close_database()
    with open_app(data_dir=data_dir, log_file=True) as app:
        from core.jingcheng.client import Client

        Client.from_settings().close()
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = app.log_file.read_text(encoding="utf-8")
    assert "WARNING" in text and "jingcheng.verify_tls" in text


def test_a_ca_file_that_is_missing_or_not_a_certificate_is_refused(tmp_path, db):
    with pytest.raises(ConfigError):
        settings.set_value("jingcheng.ca_file", str(tmp_path / "none.pem"))
    (tmp_path / "junk.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(ConfigError):
        settings.set_value("guanyi.ca_file", str(tmp_path / "junk.pem"))
    with pytest.raises(ConfigError):
        settings.set_value("guanyi.verify_tls", "maybe")
    assert settings.set_value("guanyi.ca_file", "") == ""


def test_settings_shows_the_tls_keys(qtbot, db):
    from ui.settings_connections import ConnectionsTab

    tab = ConnectionsTab(settings.all_settings())
    qtbot.addWidget(tab)
    assert {"guanyi.verify_tls", "guanyi.ca_file", "jingcheng.verify_tls", "jingcheng.ca_file"} <= set(tab.fields)
