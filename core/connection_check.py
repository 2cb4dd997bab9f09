"""The 测试连接 jobs of Settings, plain code for a worker thread: each returns a sentence for the user or
raises a :class:`~core.errors.ReturnSyncError` whose text is already fit to show (no secrets).

Both test the settings and credentials as saved, which is what a pull or a push would use.
"""

from __future__ import annotations

from core import pull, tls
from core.errors import NetworkError, ServerError
from core.i18n import t
from core.redact import shown_url


def check_guanyi() -> str:
    """One tiny signed query (a page of one return), through the transport chosen in the settings."""
    with pull.connect() as client:
        # One attempt: a test that silently retries for a minute reads as a frozen button.
        client.retries = 0
        total = client.check_connection()
    via = t("经奇门网关", "through Qimen") if client.transport.name == "qimen" else t("直连", "direct")
    return t(
        f"连接成功（{via}）：管易云接受了签名和凭据，今天有 {total} 张退货单有修改。",
        f"Connected ({via}): Guanyi accepted the signature and credentials; {total} returns changed today.",
    )


def check_jingcheng() -> str:
    """Whether the 精诚 address answers at all — never a sheet, so nothing can be booked by a test.

    精诚 offers no call that is safe to make (SPEC §3.2), so the credentials are checked for being stored
    and usable in a request, but only a push shows whether 精诚 accepts them. The probe is a GET, sent
    without them: 精诚's interface takes POST, so any HTTP answer proves the address and the network."""
    # Loaded here, when a test is asked for: neither is needed to open the window.
    import requests

    from core.jingcheng.client import Client

    with Client.from_settings() as client:  # profile checks, credentials present and well-formed
        profile = client.profile
        verify = client.verify  # as the settings say: a push would check the certificate the same way
    shown = shown_url(profile.url)
    try:
        with requests.Session() as session:
            tls.apply(session, verify)
            response = session.get(
                profile.url,
                timeout=(profile.connect_timeout, profile.read_timeout),
                allow_redirects=False,
            )
    except requests.exceptions.ConnectTimeout:
        raise NetworkError(
            f"连接精诚 {shown} 超时（{profile.connect_timeout:g} 秒）。请检查网络和精诚接口地址。",
            f"Connecting to Jingcheng at {shown} timed out ({profile.connect_timeout:g} s). "
            "Check the network and the Jingcheng address.",
        ) from None
    except requests.exceptions.ReadTimeout:
        raise NetworkError(
            f"精诚 {shown} 接受了连接，但在 {profile.read_timeout:g} 秒内没有回复。",
            f"Jingcheng at {shown} accepted the connection but did not answer within {profile.read_timeout:g} s.",
        ) from None
    except requests.exceptions.SSLError as exc:
        certificate = tls.refusal("jingcheng", shown, exc)
        if certificate is not None:
            raise NetworkError(certificate[0] + "。", certificate[1] + ".") from None
        raise NetworkError(
            f"无法与 {shown} 建立安全连接（HTTPS 证书无效，或该地址不提供 HTTPS）。请检查精诚接口地址。",
            f"A secure connection to {shown} failed (its HTTPS certificate is not valid, or the address does not "
            "speak HTTPS). Check the Jingcheng address.",
        ) from None
    except requests.exceptions.RequestException:
        raise NetworkError(
            f"无法连接精诚 {shown}。请检查网络，以及精诚接口地址和端口是否正确、精诚服务是否已启动。",
            f"Cannot connect to Jingcheng at {shown}. Check the network, the address and port, and that the "
            "Jingcheng service is running.",
        ) from None
    status = response.status_code
    if status == 404:
        raise ServerError(
            f"精诚服务器有回应，但 {shown} 返回 HTTP 404（找不到）：请核对地址模板和接口名。测试没有发送单据。",
            f"The Jingcheng server answered, but {shown} gave HTTP 404 (not found): check the URL template and "
            "the interface name. No sheet was sent.",
        )
    return t(
        f"精诚地址可以连通（{shown}，HTTP {status}）。测试不发送单据，凭据是否被接受要到第一次推送时才知道。",
        f"Jingcheng answers at {shown} (HTTP {status}). The test sends no sheet, so whether the credentials "
        "are accepted shows at the first push.",
    )
