"""The first-run guide (SPEC §8): connect 管易云 (direct or through 奇门), connect 精诚, test both, choose the mapping
options that matter — or try the demo instead.

Shown when the window opens and the keyring lacks what the settings need (:func:`core.credentials.incomplete`), and
from Help at any time. Each connection page saves its settings and credentials (the keyring, never the data file)
when its 测试连接 is pressed, then runs the same test as Settings; its Next waits for a successful test, or for an
explicit “保存，稍后再测”. The pieces are Settings' own: the fields, the credential boxes, the save and the test runner.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCommandLinkButton,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core import connection_check, credentials, settings
from core.i18n import t
from core.mapping import value_tables
from ui import settings_saving
from ui.settings_connections import ConnectionTest, scrolling_column
from ui.settings_credentials import CredentialsBox
from ui.settings_fields import ERROR_STYLE, SettingField, SettingsForm, hint_label

# Fits a screen of 1280×720 logical pixels (1920×1080 at 150 %) with its title bar and taskbar; the connection pages
# scroll inside when the guide is made lower.
GUIDE_WIDTH, GUIDE_HEIGHT = 780, 560
MAPPING_KEYS = ("mapping.goods_code", "mapping.date_source", "mapping.date_format", "mapping.qty_source")


def _guanyi_hints() -> dict[str, str]:
    return {
        "guanyi.url": t("通常不用改；在 www 登录管易云的改用 http://api.guanyierp.com/rest/erp_open",
                        "Usually as is; if you sign in on www: http://api.guanyierp.com/rest/erp_open"),
        "appkey": t("管易云后台 › 系统设置 › 开放平台/应用授权", "Guanyi › System settings › Open platform"),
        "sessionkey": t("同一页，授权记录里的 sessionkey", "Same page, in the authorisation"),
        "secret": t("同一页的 secret；看不到时问管易云客服", "Same page; else ask Guanyi support"),
    }


def _qimen_hints() -> dict[str, str]:
    return {
        "qimen.url": t("奇门网关地址，通常不用改", "Usually as is"),
        "qimen.target_app_key": t("管易云在奇门的 AppKey，通常不用改", "Guanyi's AppKey on Qimen; usually as is"),
        "qimen.sign_method": t("与奇门应用的签名方式一致，通常 md5", "As set for your Qimen app; usually md5"),
        "app_key": t("淘宝开放平台 › 控制台 › 应用管理", "Taobao Open Platform › Console › Apps"),
        "secret": t("同一应用的 AppSecret", "The same app's AppSecret"),
        "session": t("授权得到的 sessionKey；没有可不填", "From the authorisation, if any"),
    }


def _jingcheng_hints() -> dict[str, str]:
    return {
        "jingcheng.url": t("精诚服务器的地址和端口，问精诚实施人员", "Server and port: ask your Jingcheng implementer"),
        "jingcheng.auth": t("与精诚“外部接口”设置中启用的一致", "As enabled in Jingcheng's interface setup"),
        "token": t("精诚 › 系统维护 › 外部接口 › 接口令牌", "Jingcheng › Maintenance › Interface › Token"),
        "user": t("精诚里专供接口使用的操作员", "The operator set aside for the interface"),
        "password": t("该操作员的密码", "That operator's password"),
        "appkey": t("精诚 › 系统维护 › 外部接口 › appkey", "Jingcheng › Maintenance › Interface › appkey"),
        "secret": t("同一处的签名密钥", "The signing secret on the same page"),
    }


def _mapping_hints() -> dict[str, str]:
    return {
        "mapping.goods_code": t(
            "用哪个管易云编码查商品对照表，得到精诚商品ID；查不到时原样作为商品ID并提示。",
            "Which Guanyi code looks up the goods table for the GoodsID; one not found is sent as it is, with a "
            "warning.",
        ),
        "mapping.date_source": t("精诚单据日期取退货单的哪个日期。",
                                 "Which date of the return becomes the sheet's date."),
        "mapping.date_format": t("单据日期写给精诚的格式，如 yyyy-MM-dd、yyyy/MM/dd。",
                                 "How the date is written for Jingcheng: e.g. yyyy-MM-dd, yyyy/MM/dd."),
        "mapping.qty_source": t("实际入库数：只记已收到的货；待入库数：按退货单申请的数量记。",
                                "Received: only what came back is booked; to receive: the quantity the return asks."),
    }


def _align_labels(forms: list[QFormLayout], boxes: list[CredentialsBox]) -> None:
    """One label width for the forms and credential boxes of a page, so that their editors and hints line up."""
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None]
    labels += [label for box in boxes for label in box.labels()]
    width = max(label.sizeHint().width() for label in labels)
    for label in labels:
        label.setMinimumWidth(width)
    for box in boxes:
        box.set_label_width(width)


def _choice(name: str) -> str:
    return settings.KEYS[name].choice_label(settings.get(name))


def _group(title: str, form: SettingsForm) -> QGroupBox:
    box = QGroupBox(title)
    box.setLayout(form)
    return box


class _ConnectionPage(QWizardPage):
    """A page that connects one system: its Next waits for a successful 测试连接, or for “保存，稍后再测”.

    Subclasses say what the page saves (:meth:`_entries`) and put :attr:`footer` under their fields."""

    def __init__(self, title: str, job: Callable[[], str], idle: str) -> None:
        super().__init__()
        self.setTitle(title)
        # What the test does is said where its result will be: the page needs its height for the fields.
        self.test = ConnectionTest(job, before=self.save_for_test, idle=idle)
        self.skipped = False
        self.test.state_changed.connect(self.completeChanged)
        self.later = QLabel(f'<a href="later">{t("保存，稍后再测", "Save, test later")}</a>')
        self.later.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.later.setToolTip(t("不测试就继续；连接问题要到第一次拉取或推送时才会发现。",
                                "Go on without a test: a connection problem then shows at the first pull or push."))
        self.later.linkActivated.connect(lambda _link: self.test_later())
        self.footer = QWidget()
        footer = QHBoxLayout(self.footer)
        footer.setContentsMargins(0, 0, 0, 0)
        footer.addWidget(self.test, 1)
        footer.addWidget(self.later, 0, Qt.AlignmentFlag.AlignBottom)

    def _entries(self) -> tuple[dict[str, SettingField], list[CredentialsBox], dict[str, str]]:
        """The fields, credential boxes and other setting values the page saves."""
        raise NotImplementedError

    def _watch(self, *sources: SettingField | CredentialsBox) -> None:
        for source in sources:
            source.changed.connect(self._changed)

    def _changed(self) -> None:
        self.skipped = False
        self.test.clear()
        self.completeChanged.emit()

    def save(self, *, complete: bool) -> settings_saving.Outcome:
        fields, boxes, values = self._entries()
        return settings_saving.save(fields, boxes, values, complete=complete)

    def save_for_test(self) -> str:
        """Before a test: store what it will use; the refusal, if any."""
        outcome = self.save(complete=True)
        return "" if outcome.saved else outcome.message

    def test_later(self) -> None:
        outcome = self.save(complete=False)
        if not outcome.saved:
            self.test.fail(outcome.message)
            return
        self.skipped = True
        self.completeChanged.emit()
        self.wizard().next()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.test.passed or self.skipped

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        # QWizard.next() asks this page, not isComplete(): the same rule for a call as for the button.
        return self.isComplete()

    def state(self) -> str:
        """How the page ended, for the summary."""
        if self.test.passed:
            return t("✔ 测试通过", "✔ tested")
        return t("⚠ 未测试：连接问题要到第一次拉取或推送时才会发现",
                 "⚠ not tested: a problem shows at the first pull or push")


class WelcomePage(QWizardPage):
    def __init__(self, guide: FirstRunGuide) -> None:
        super().__init__()
        self.setTitle(t("欢迎使用退货单同步助手", "Welcome to ReturnSync"))
        intro = QLabel(t(
            "本软件每天从管易云拉取退货单，逐张显示它将变成的精诚单据，由您勾选后推送到精诚ERP。"
            "每张单据只会推送一次，每一步都记入日志，可导出对账。",
            "ReturnSync pulls the return orders from Guanyi every day and shows each one beside the Jingcheng "
            "sheet it will become; you tick the ones to post and push them to Jingcheng ERP. Each is posted "
            "once only, and every step is logged for reconciliation.",
        ), wordWrap=True)
        self.connect_button = QCommandLinkButton(
            t("连接我的系统", "Connect my systems"),
            t("填写并测试管易云和精诚的连接，再选几项映射规则。密钥只保存在系统钥匙串中。",
              "Enter and test the Guanyi and Jingcheng connections, then choose a few mapping rules. Secrets are "
              "kept in the system keyring only."),
        )
        self.connect_button.clicked.connect(guide.next)
        self.demo_button = QCommandLinkButton(
            t("试用演示", "Try the demo"),
            t("在内置的模拟管易云和精诚上试用全部功能：不需要账号，不会改动您的数据。",
              "Try everything on the built-in simulated Guanyi and Jingcheng: no account needed, your data is "
              "left alone."),
        )
        self.demo_button.clicked.connect(guide.request_demo)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(12)
        layout.addWidget(self.connect_button)
        layout.addWidget(self.demo_button)
        layout.addStretch(1)


class GuanyiPage(_ConnectionPage):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(
            t("连接管易云", "Connect Guanyi"),
            connection_check.check_guanyi,
            t("点“测试连接”先保存上面的设置和凭据（密钥只存入系统钥匙串），再向管易云发一次只读的签名查询。",
              "Test connection saves the entries above (secrets go to the system keyring only), then sends Guanyi "
              "one signed read-only query."),
        )
        hints = {**_guanyi_hints(), **_qimen_hints()}
        transport = settings.KEYS["guanyi.transport"]
        self.direct = QRadioButton(transport.choice_label("direct"))
        self.qimen = QRadioButton(transport.choice_label("qimen"))
        self.transport = QButtonGroup(self)
        self.transport.addButton(self.direct)
        self.transport.addButton(self.qimen)
        (self.qimen if values["guanyi.transport"] == "qimen" else self.direct).setChecked(True)

        self.guanyi_form = SettingsForm(("guanyi.url",), values, hints, beside=True,
                                        labels={"guanyi.url": t("接口地址", "API URL")})
        self.gateway_form = SettingsForm(
            ("qimen.url", "qimen.target_app_key", "qimen.sign_method"), values, hints, beside=True,
            labels={"qimen.url": t("网关地址", "Gateway URL"), "qimen.target_app_key": "target_app_key",
                    "qimen.sign_method": t("签名方式", "Sign method")},
        )
        self.guanyi_group = _group(t("管易云开放接口", "Guanyi open API"), self.guanyi_form)
        self.gateway_group = _group(t("奇门网关", "Qimen gateway"), self.gateway_form)
        self.guanyi_credentials = CredentialsBox("guanyi", t("管易云凭据", "Guanyi credentials"),
                                                 hints=_guanyi_hints(), hide_unused=True)
        self.qimen_credentials = CredentialsBox("qimen", t("奇门凭据", "Qimen credentials"), hints=_qimen_hints())
        _align_labels([self.guanyi_form, self.gateway_form], [self.guanyi_credentials, self.qimen_credentials])

        choice = QHBoxLayout()
        choice.addWidget(QLabel(t("接入方式：", "Transport:")))
        choice.addWidget(self.direct)
        choice.addWidget(self.qimen)
        choice.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(scrolling_column(
            (self.guanyi_group, self.gateway_group, self.guanyi_credentials, self.qimen_credentials), self.footer
        ), 1)

        self.transport.buttonToggled.connect(lambda _button, checked: checked and self._show_transport())
        self._watch(*self.guanyi_form.fields.values(), *self.gateway_form.fields.values(), self.guanyi_credentials,
                    self.qimen_credentials)
        self._show_transport()

    @property
    def chosen_transport(self) -> str:
        return "qimen" if self.qimen.isChecked() else "direct"

    def _show_transport(self) -> None:
        qimen = self.chosen_transport == "qimen"
        self.guanyi_group.setVisible(not qimen)
        self.gateway_group.setVisible(qimen)
        self.qimen_credentials.setVisible(qimen)
        required, _ = credentials.fields("guanyi")
        unused = set(required) - set(credentials.needed("guanyi", transport=self.chosen_transport))
        self.guanyi_credentials.set_optional(unused)
        self._changed()

    def _entries(self) -> tuple[dict[str, SettingField], list[CredentialsBox], dict[str, str]]:
        values = {"guanyi.transport": self.chosen_transport}
        if self.chosen_transport == "qimen":
            return self.gateway_form.fields, [self.guanyi_credentials, self.qimen_credentials], values
        return self.guanyi_form.fields, [self.guanyi_credentials], values

    def summary(self) -> str:
        if self.chosen_transport == "qimen":
            via = t(f"经奇门网关，{settings.get('qimen.url')}", f"through Qimen, {settings.get('qimen.url')}")
        else:
            via = t(f"直连，{settings.get('guanyi.url')}", f"direct, {settings.get('guanyi.url')}")
        return f"{via}\n{self.state()}"


class JingchengPage(_ConnectionPage):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(
            t("连接精诚", "Connect Jingcheng"),
            connection_check.check_jingcheng,
            t("点“测试连接”先保存上面的设置和凭据，再检查精诚地址能否连通。测试不向精诚发送任何单据。",
              "Test connection saves the entries above, then checks that the Jingcheng address answers. It sends "
              "no sheet."),
        )
        hints = _jingcheng_hints()
        self.form = SettingsForm(("jingcheng.url", "jingcheng.auth"), values, hints, beside=True,
                                 labels={"jingcheng.url": t("接口地址", "Base URL"),
                                         "jingcheng.auth": t("认证方式", "Authentication")})
        self.credentials = CredentialsBox("jingcheng", t("精诚凭据", "Jingcheng credentials"),
                                          auth=values["jingcheng.auth"], hints=hints)
        _align_labels([self.form], [self.credentials])
        auth = self.form.fields["jingcheng.auth"].editor
        assert isinstance(auth, QComboBox)
        auth.currentIndexChanged.connect(lambda _index: self.credentials.set_auth(auth.currentData()))
        more = hint_label(t("地址模板、接口名和回复的解读在“设置 › 连接”中，默认值适用于内置演示和多数安装。",
                            "The URL template, the interface name and how the reply is read are in Settings › "
                            "Connections; the defaults suit the demo and most installations."))
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling_column((_group(t("精诚接口", "Jingcheng interface"), self.form), self.credentials,
                                           more), self.footer), 1)
        self._watch(*self.form.fields.values(), self.credentials)

    def _entries(self) -> tuple[dict[str, SettingField], list[CredentialsBox], dict[str, str]]:
        return self.form.fields, [self.credentials], {}

    def summary(self) -> str:
        return f"{settings.get('jingcheng.url')}{t('，', ', ')}{_choice('jingcheng.auth')}\n{self.state()}"


class MappingPage(QWizardPage):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        # No subtitle on any page: one with a subtitle gets a header band the others do not have.
        self.setTitle(t("映射选项", "Mapping options"))
        intro = QLabel(t("退货单如何变成精诚单据。默认值适合多数店铺，以后可在“设置 › 映射规则”中修改。",
                         "How a return becomes a Jingcheng sheet. The defaults suit most shops; change them later in "
                         "Settings › Mapping."), wordWrap=True)
        self.form = SettingsForm(MAPPING_KEYS, values, _mapping_hints())
        self.fields = self.form.fields
        self.tables = hint_label("")
        self.form.insertRow(0, t("精诚客户", "Jingcheng customer"), self.tables)
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.message)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        shops = len(value_tables.list_rows(value_tables.SHOPS))
        goods = len(value_tables.list_rows(value_tables.GOODS))
        self.tables.setText(t(
            f"店铺→客户对照表（现有 {shops} 行）给出客户编码；不在表里的店铺直接用管易云店铺编码，并提示。"
            f"商品对照表现有 {goods} 行。两张表在“设置 › 对照表”中编辑或导入。",
            f"The shop → customer table ({shops} rows) gives the CustomerCode; a shop not in it is sent by its "
            f"Guanyi shop code, with a warning. The goods table has {goods} rows. Edit or import both in "
            "Settings › Value tables.",
        ))

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        outcome = settings_saving.save(self.fields, [])
        self.message.setText("" if outcome.saved else outcome.message)
        return outcome.saved

    def summary(self) -> str:
        return "\n".join(f"{settings.KEYS[name].describe()}{t('：', ': ')}{_choice(name)}" for name in MAPPING_KEYS)


class DonePage(QWizardPage):
    def __init__(self, guide: FirstRunGuide) -> None:
        super().__init__()
        self._guide = guide
        self.setTitle(t("设置完成", "All set"))
        saved = QLabel(t("已保存的连接和规则：", "What is now saved:"))
        titles = {"guanyi": t("管易云", "Guanyi"), "jingcheng": t("精诚", "Jingcheng"), "mapping": t("映射", "Mapping")}
        self.rows = {name: QLabel(wordWrap=True) for name in titles}
        summary = QGridLayout()  # not a form: its labels would centre on a value of several lines
        summary.setColumnStretch(1, 1)
        for row, (name, label) in enumerate(self.rows.items()):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            summary.addWidget(QLabel(f"<b>{titles[name]}</b>"), row, 0, Qt.AlignmentFlag.AlignTop)
            summary.addWidget(label, row, 1, Qt.AlignmentFlag.AlignTop)
        start = QLabel(t(
            "<b>开始拉取：</b>在窗口上方的工具栏选好日期（如“今天”或“近7天”），点“拉取”。退货单列在左边，"
            "点一行即可在右边看到它将变成的精诚单据；勾选后点“推送所选”。",
            "<b>To start:</b> pick the dates on the toolbar at the top of the window (e.g. Today or Last 7 days) "
            "and press Pull. The returns are listed on the left; click one to see the Jingcheng sheet it will "
            "become on the right; tick the ones to post and press Push selected.",
        ), wordWrap=True)
        later = hint_label(t("这些内容以后都可以在“设置”中修改；本向导可从“帮助”菜单再次打开。",
                             "All of this can be changed later in Settings; this guide opens again from Help."))
        layout = QVBoxLayout(self)
        layout.addWidget(saved)
        layout.addLayout(summary)
        layout.addSpacing(16)
        layout.addWidget(start)
        layout.addStretch(1)
        layout.addWidget(later)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        guide = self._guide
        self.rows["guanyi"].setText(guide.guanyi_page.summary())
        self.rows["jingcheng"].setText(guide.jingcheng_page.summary())
        self.rows["mapping"].setText(guide.mapping_page.summary())


class FirstRunGuide(QWizard):
    """The guide. ``demo_requested`` is emitted when the user picks 试用演示, just before the guide closes with
    :attr:`DEMO` as its result; Finish accepts, Cancel rejects. Settings and credentials are saved page by page, so a
    guide left half-way keeps what its pages saved."""

    demo_requested = Signal()
    DEMO = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("开始使用 · 退货单同步助手", "Getting started · ReturnSync"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)  # everything is saved by then
        for button, zh, en in (
            (QWizard.WizardButton.BackButton, "< 上一步", "< Back"),
            (QWizard.WizardButton.NextButton, "下一步 >", "Next >"),
            (QWizard.WizardButton.CancelButton, "取消", "Cancel"),
            (QWizard.WizardButton.FinishButton, "完成", "Finish"),
        ):
            self.setButtonText(button, t(zh, en))
        values = settings.all_settings()
        self.welcome_page = WelcomePage(self)
        self.guanyi_page = GuanyiPage(values)
        self.jingcheng_page = JingchengPage(values)
        self.mapping_page = MappingPage(values)
        self.done_page = DonePage(self)
        for page in (self.welcome_page, self.guanyi_page, self.jingcheng_page, self.mapping_page, self.done_page):
            self.addPage(page)
        self.resize(GUIDE_WIDTH, GUIDE_HEIGHT)

    def request_demo(self) -> None:
        self.demo_requested.emit()
        self.done(self.DEMO)
