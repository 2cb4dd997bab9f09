"""The 精诚 client against the sandbox over loopback: auth modes, the profile, SPEC §5 step 4."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import socket
import ssl

import pytest

from core import settings
from core.advice import Advice
from core.errors import ConfigError
from core.jingcheng import client as jingcheng_client
from core.jingcheng import profile as jingcheng_profile
from core.jingcheng.client import Client
from core.jingcheng.profile import Profile
from core.jingcheng.sheet import Sheet, SheetLine
from core.sandbox import Sandbox
from core.sandbox.httpserver import Reply, Request, SandboxServer, json_reply

SHEET = Sheet("RGO100", "2024-01-02", "C01", "示例客户", "R", "2", "59.80", "管易退货单 RGO100",
              (SheetLine("2", "G1", "29.90", "59.80", "赠品 测试"),))


def client_for(sb: Sandbox, *, read_timeout: float = 2.0, **profile: object) -> Client:
    return Client(Profile(base_url=sb.jingcheng_url, auth=sb.jingcheng_auth, connect_timeout=1.0,
                          read_timeout=read_timeout, **profile), sb.credentials["jingcheng"])


@pytest.fixture
def sb():
    with Sandbox(returns=0, seed=3) as sandbox:
        sandbox.jingcheng.faults.timeout_seconds = 1.5
        yield sandbox


@pytest.mark.parametrize("auth", ["token", "none", "basic", "md5-sign"])
def test_every_auth_mode_is_accepted(auth):
    with Sandbox(returns=0, seed=5, jingcheng_auth=auth) as sb, client_for(sb) as client:
        outcome = client.send(SHEET.body())
        assert outcome.status == "posted", outcome.message
        assert outcome.sheet_no == sb.jingcheng.sheets[0]["SheetNo"]
        assert sb.jingcheng.sheets[0]["body"] == SHEET.as_dict()
        for field in ("token", "password", "secret"):
            assert sb.credentials["jingcheng"].get(field, "\0") not in outcome.message + outcome.reply


@pytest.mark.parametrize("auth", ["token", "basic"])
def test_a_netrc_entry_for_the_host_does_not_replace_our_credentials(auth, tmp_path, monkeypatch):
    with Sandbox(returns=0, seed=5, jingcheng_auth=auth) as sb:
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1 login intruder password not-ours\n", "utf-8")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        with client_for(sb) as client:
            outcome = client.send(SHEET.body())
    assert outcome.status == "posted", outcome.message


@pytest.mark.parametrize("auth", ["token", "basic", "md5-sign"])
def test_wrong_credentials_fail_with_a_message_about_them(auth):
    with Sandbox(returns=0, seed=5, jingcheng_auth=auth) as sb:
        wrong = {k: v + "x" for k, v in sb.credentials["jingcheng"].items()}
        with Client(Profile(base_url=sb.jingcheng_url, auth=auth), wrong) as client:
            outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and outcome.auth_refused and outcome.http_status == 401
    assert "精诚拒绝了" in outcome.message and outcome.advice is Advice.CREDENTIALS
    assert not sb.jingcheng.sheets
    for secret in wrong.values():
        assert secret not in outcome.message + outcome.reply


def test_bad_token_message_names_the_token(sb):
    with Client(Profile(base_url=sb.jingcheng_url), {"token": "wrong-token-123"}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.message.startswith("精诚拒绝了令牌")


def test_success_reply_is_posted_with_sheet_no(sb):
    with client_for(sb) as client:
        outcomes = [client.send(SHEET.body()) for _ in range(3)]
    assert [o.status for o in outcomes] == ["posted"] * 3
    assert [o.sheet_no for o in outcomes] == [s["SheetNo"] for s in sb.jingcheng.sheets]
    assert all(o.http_status == 200 and '"Flag"' in o.reply for o in outcomes)


@pytest.mark.parametrize(
    ("fault", "status", "recorded"),
    [("flag0", "failed", 0), ("http401", "failed", 0), ("http500", "unknown", 0), ("reset", "unknown", 0),
     ("timeout", "unknown", 1)],
)
def test_failure_modes(sb, fault, status, recorded):
    sb.jingcheng.faults.push(fault)
    with client_for(sb, read_timeout=0.5) as client:
        outcome = client.send(SHEET.body())
        assert outcome.status == status, outcome.message
        assert len(sb.jingcheng.sheets) == recorded
        assert client.send(SHEET.body()).status == "posted"  # the session is usable after any fault


def test_flag0_keeps_the_reply_message(sb):
    sb.jingcheng.faults.push("flag0")
    with client_for(sb) as client:
        outcome = client.send(SHEET.body())
    assert outcome.message.startswith("精诚拒收：保存失败：")


def test_read_timeout_after_sending_is_unknown_and_says_what_to_do(sb):
    sb.jingcheng.faults.delay_seconds = 1.5
    sb.jingcheng.faults.push("delay")
    with client_for(sb, read_timeout=0.3) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "unknown" and not outcome.unreachable
    assert "精诚在 0.3 秒内没有回复" in outcome.message and "状态未知" in outcome.message
    assert sb.jingcheng.sheet_ids() == ["RGO100"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_failed_and_unreachable():
    profile = Profile(base_url=f"http://bob:pw-in-url@127.0.0.1:{_free_port()}")
    with Client(profile, {"token": "tok-9f8e"}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and outcome.unreachable
    assert "无法连接精诚（http://127.0.0.1:" in outcome.message and "可以重新推送" in outcome.message
    assert "pw-in-url" not in outcome.message


def test_a_name_that_does_not_resolve_is_failed_and_unreachable():
    profile = Profile(base_url="http://returnsync-test.invalid:8090", connect_timeout=2.0)  # RFC 6761: never resolves
    with Client(profile, {"token": "tok-dns-1"}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and outcome.unreachable, outcome.message
    assert "可以重新推送" in outcome.message


def test_connect_timeout_is_failed():
    # A listener that never accepts: once its backlog is full, a new handshake cannot complete.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers: list[socket.socket] = []
        try:
            for _ in range(8):
                filler = socket.socket()
                filler.settimeout(0.2)
                fillers.append(filler)
                try:
                    filler.connect(("127.0.0.1", port))
                except TimeoutError:
                    break
            else:
                pytest.skip("this system completes handshakes beyond the backlog")
            profile = Profile(base_url=f"http://127.0.0.1:{port}", connect_timeout=0.2, read_timeout=5)
            with Client(profile, {"token": "t"}) as client:
                outcome = client.send(SHEET.body())
        finally:
            for filler in fillers:
                filler.close()
    assert outcome.status == "failed" and outcome.unreachable, outcome.message


class _Custom:
    """A 精诚 installation with another reply envelope, to test the profile's reply paths."""

    def __init__(self, reply: Reply, tls: ssl.SSLContext | None = None) -> None:
        self.reply = reply
        self.tls = tls
        self.requests: list[Request] = []

    def __enter__(self) -> str:
        self.server = SandboxServer("127.0.0.1", 0, self._app)
        if self.tls is not None:
            # Before start(): the serving loop watches the socket it was started with.
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.server.start()
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.server.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def _app(self, request: Request) -> Reply:
        self.requests.append(request)
        return self.reply


def test_reply_paths_and_success_values_from_settings(db):
    reply = json_reply({"Result": {"Code": "OK", "Text": "已保存", "Data": [{"No": "JC-77"}]}})
    with _Custom(reply) as url:
        for key, value in [("jingcheng.url", url), ("jingcheng.auth", "none"),
                           ("jingcheng.url_template", "{base_url}/api/{method}.ashx"),
                           ("jingcheng.reply.flag_path", "Result.Code"),
                           ("jingcheng.reply.message_path", "Result.Text"),
                           ("jingcheng.reply.sheet_no_path", "Result.Data.0.No"),
                           ("jingcheng.reply.success_values", "ok, 1")]:
            settings.set_value(key, value)
        with Client.from_settings() as client:
            outcome = client.send(SHEET.body())
        assert client.profile.url == f"{url}/api/ExtApi_RecvExSheet.ashx"
        assert (outcome.status, outcome.sheet_no) == ("posted", "JC-77")
        assert "已保存" in outcome.message
        settings.set_value("jingcheng.reply.success_values", "1,true")
        with Client.from_settings() as client:
            assert client.send(SHEET.body()).status == "failed"


def test_request_bytes_and_headers():
    custom = _Custom(json_reply({"Flag": True, "SheetNo": 5}))
    with custom as url, Client(Profile(base_url=url), {"token": "tok-abc"}) as client:
        outcome = client.send(SHEET.body())
    assert (outcome.status, outcome.sheet_no) == ("posted", "5")
    (request,) = custom.requests
    assert request.body == SHEET.body()
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Authorization"] == "Bearer tok-abc"
    assert json.loads(request.body)["Items"][0]["Remark"] == "赠品 测试"


@pytest.mark.parametrize(
    ("reply", "status"),
    [(Reply(200, b"<html>oops</html>", "text/html"), "unknown"),
     (json_reply({"Message": "no flag"}), "unknown"),
     (json_reply({"Flag": "0", "Message": "bad"}, status=400), "failed"),
     (Reply(302, b"", "text/plain", {"Location": "http://elsewhere/"}), "failed"),
     (json_reply({"Flag": 0, "Message": "x"}), "failed"),
     (json_reply({"Flag": 1.0, "SheetNo": "A"}), "posted")],
)
def test_classification_of_replies(reply, status):
    with _Custom(reply) as url, Client(Profile(base_url=url, auth="none"), {}) as client:
        assert client.send(SHEET.body()).status == status


def test_a_gbk_error_page_is_readable_in_the_message():
    page = Reply(400, "<h1>请求格式错误</h1>".encode("gbk"), "text/html")
    with _Custom(page) as url, Client(Profile(base_url=url, auth="none"), {}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and "请求格式错误" in outcome.message


def test_secrets_are_scrubbed_from_replies_that_echo_them():
    echo = _Custom(Reply())

    def app(request: Request) -> Reply:
        echoed = {"Flag": "0", "Message": f"收到 {request.headers.get('Authorization')} ?{request.query}"}
        return json_reply(echoed, status=400)

    echo._app = app  # type: ignore[method-assign]
    with echo as url:
        for auth, secrets in [("token", {"token": "tok-secret-1"}),
                              ("basic", {"user": "u", "password": "pw-secret-2"}),
                              ("md5-sign", {"appkey": "ak", "secret": "sec-3"})]:
            with Client(Profile(base_url=url, auth=auth), secrets) as client:
                outcome = client.send(SHEET.body())
            text = outcome.message + outcome.reply
            assert outcome.status == "failed"
            # The secret values, and the Basic header's base64 of "u:pw-secret-2".
            for value in ("tok-secret-1", "pw-secret-2", "sec-3", "dTpwdy1zZWNyZXQtMg=="):
                assert value not in text, (auth, text)
            assert "sign=" not in text or "sign=***" in text


def test_profile_checks():
    with pytest.raises(ConfigError, match="地址模板"):
        _ = Profile(base_url="http://x", url_template="{base}/{method}").url
    with pytest.raises(ConfigError, match="认证方式"):
        Profile(base_url="http://x", auth="oauth").check()
    with pytest.raises(ConfigError, match="success_values"):
        Profile(base_url="http://x", success_values=()).check()
    assert settings.success_values(" 1, TRUE ,") == ("1", "true")
    assert jingcheng_profile.reply_value({"a": [{"b": 2}]}, "a.0.b") == 2
    assert jingcheng_profile.reply_value({"a": 1}, "a.b") is None


def test_missing_credentials_is_a_configuration_error(db):
    from core.errors import CredentialsError

    with pytest.raises(CredentialsError, match="精诚凭据") as caught:
        Client.from_settings()
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "jingcheng")


def _classified(reply: Reply, **profile: object):
    with _Custom(reply) as url, Client(Profile(base_url=url, auth="none", **profile), {}) as client:
        return client.send(SHEET.body())


def test_authentication_asked_for_when_the_settings_send_none_points_at_choosing_it():
    outcome = _classified(Reply(401, b"", "text/plain"))
    assert outcome.status == "failed" and outcome.auth_refused and outcome.advice is Advice.JINGCHENG_AUTH
    assert "精诚要求认证" in outcome.message


@pytest.mark.parametrize(
    ("flag", "success_values"),
    [(True, ("1",)), ("true", ("1",)), ("True", ("1",)), (1, ("true",)), ("1", ("true",)), (1.0, ("1",)),
     ("1.0", ("1", "true")), (" 1 ", ("1", "true"))],
)
def test_a_success_flag_in_another_json_type_is_posted(flag, success_values):
    # A booked sheet read as "failed" would be pushed again: 1, "1", true and "true" say the same thing.
    outcome = _classified(json_reply({"Flag": flag, "SheetNo": "JC-1"}), success_values=success_values)
    assert (outcome.status, outcome.sheet_no) == ("posted", "JC-1"), outcome.message


@pytest.mark.parametrize("flag", [False, 0, "0", "false", 0.0])
def test_a_failure_flag_in_any_json_type_is_failed(flag):
    assert _classified(json_reply({"Flag": flag, "Message": "客户编码不存在"})).status == "failed"


@pytest.mark.parametrize("flag", [{"Value": 1}, [1], ""])
def test_a_flag_that_is_not_one_value_is_unknown(flag):
    # The flag path points at an object (or at nothing usable): the reply was not understood.
    outcome = _classified(json_reply({"Flag": flag, "SheetNo": "JC-1"}))
    assert outcome.status == "unknown" and "Flag" in outcome.message


def test_a_reply_with_a_utf8_bom_is_read():
    # .NET/IIS servers on Windows often start a UTF-8 reply with a byte-order mark.
    body = "\ufeff".encode() + json.dumps({"Flag": "1", "Message": "保存成功", "SheetNo": "JC-2"}).encode()
    outcome = _classified(Reply(200, body, "application/json; charset=utf-8"))
    assert (outcome.status, outcome.sheet_no) == ("posted", "JC-2"), outcome.message


def test_a_long_reply_is_classified_whole_and_stored_cut():
    # 精诚 may echo the whole sheet back; the log keeps the start, the classification reads it all.
    echo = [{"GoodsID": f"G{i:04d}", "Remark": "赠品 测试" * 5} for i in range(200)]
    outcome = _classified(json_reply({"Items": echo, "Flag": "1", "SheetNo": "JC-3"}))
    assert (outcome.status, outcome.sheet_no) == ("posted", "JC-3"), outcome.message
    assert len(outcome.reply) == jingcheng_client.REPLY_LIMIT


def test_a_sheet_number_shaped_like_a_signature_is_kept():
    guid = "3F2504E04F8911D39A0C0305E82C3301"
    outcome = _classified(json_reply({"Flag": "1", "SheetNo": guid}))
    assert outcome.sheet_no == guid and guid in outcome.message


def test_a_reply_that_is_a_list_is_read_by_an_indexed_path():
    outcome = _classified(json_reply([{"Flag": "1", "SheetNo": "JC-4"}]), flag_path="0.Flag",
                          sheet_no_path="0.SheetNo")
    assert (outcome.status, outcome.sheet_no) == ("posted", "JC-4")


def test_see_other_means_the_post_was_processed():
    # 303 is the server saying "done, look there": the sheet may well be booked.
    outcome = _classified(Reply(303, b"", "text/plain", {"Location": "http://jc.example/result/9"}))
    assert outcome.status == "unknown"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_failed_and_names_the_new_address(status):
    location = "https://jc.example/ExtApi_RecvExSheet?sign=0123456789abcdef0123456789ABCDEF"
    outcome = _classified(Reply(status, b"", "text/plain", {"Location": location}))
    assert outcome.status == "failed"
    assert "https://jc.example/ExtApi_RecvExSheet" in outcome.message and outcome.advice is Advice.JINGCHENG_URL
    assert "0123456789abcdef" not in outcome.message


def test_a_tls_handshake_that_fails_sent_nothing(sb):
    # https:// to a plain-HTTP server: the handshake fails before any byte of the sheet leaves.
    profile = Profile(base_url=sb.jingcheng_url.replace("http://", "https://"), connect_timeout=1.0)
    with Client(profile, sb.credentials["jingcheng"]) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and outcome.unreachable, outcome.message
    assert sb.jingcheng.request_count == 0


def test_basic_auth_with_a_chinese_user_name():
    seen: list[str] = []

    def app(request: Request) -> Reply:
        seen.append(request.headers.get("Authorization", ""))
        return json_reply({"Flag": "1", "SheetNo": "JC-5"})

    custom = _Custom(Reply())
    custom._app = app  # type: ignore[method-assign]
    with custom as url, Client(Profile(base_url=url, auth="basic"), {"user": "张三", "password": "密码pw9"}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "posted", outcome.message
    assert seen == ["Basic " + base64.b64encode("张三:密码pw9".encode()).decode()]


@pytest.mark.parametrize("token", ["tok\nen-1234", "令牌-1234", "tok en-1234"])
def test_a_token_that_cannot_be_sent_in_a_header_is_a_configuration_error(token):
    with pytest.raises(ConfigError, match="令牌") as caught:
        Client(Profile(base_url="http://127.0.0.1:9"), {"token": token})
    assert token not in str(caught.value)
    assert (caught.value.advice, caught.value.kind) == (Advice.CREDENTIALS, "jingcheng")


def _self_signed_context(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a certificate no authority signed, for 127.0.0.1."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_tls_certificates_are_verified(tmp_path):
    # An on-premises 精诚 behind a self-signed certificate is refused before the sheet leaves.
    custom = _Custom(json_reply({"Flag": "1", "SheetNo": "JC-6"}), tls=_self_signed_context(tmp_path))
    with custom as url, Client(Profile(base_url=url, connect_timeout=2.0),
                {"token": "tok-tls-1"}) as client:
        outcome = client.send(SHEET.body())
    assert outcome.status == "failed" and outcome.unreachable, outcome.message
    assert "self-signed certificate" in outcome.message and custom.requests == []
