"""Sign-in, roles and owned datasets in AppTest (st.user seeded as Streamlit's AppTest allows; the real provider
is exercised in tests/e2e): a visitor sees only the sign-in page; a viewer cannot upload; an analyst's dataset is
private until shared and only its owner (or an admin) may change it; a hand-typed ?src= of a hidden dataset shows
a message and nothing of it; the admin reads the audit log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from digigov.audit import AuditLog
from digigov.storage import DatasetStore
from tests.app.helpers import accept_button
from tests.apptest import new_session

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "tests" / "data" / "uploads" / "good_wide_gbk.csv"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "digigov",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    roles = tmp_path / "roles.toml"
    roles.write_text('[users]\n"root" = "admin"\n[groups]\n"分析处" = "analyst"\n', encoding="utf-8")
    monkeypatch.setenv("DIGIGOV_ROLES_FILE", str(roles))
    return tmp_path


def session(claims: dict | None, page: str | None = None, query: dict | None = None) -> AppTest:
    at = new_session()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False} if claims is None else {"is_logged_in": True, **claims}
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    return at


ANALYST = {"sub": "a1", "name": "分析员甲", "groups": ["分析处", "处室甲"]}
OTHER_ANALYST = {"sub": "a2", "name": "分析员乙", "groups": ["分析处"]}
VIEWER = {"sub": "v1", "name": "查看者", "groups": ["处室甲"]}
OUTSIDER = {"sub": "v2", "name": "外部", "groups": []}
ADMIN = {"sub": "root", "name": "管理员"}


def sources(at: AppTest) -> list[str]:
    """The data-source choices the page offers (their labels: 示例数据（内置）, then the datasets' names)."""
    return list(at.selectbox(key="regional_src").options)


def saved_by_analyst() -> str:
    at = session(ANALYST, "upload")
    data = GOOD.read_bytes()
    at.file_uploader[0].upload("指数.csv", data, "text/csv").run()
    accept_button(at).click().run()
    assert any(s.value.startswith("已保存") for s in at.success)
    (record,) = DatasetStore(Path(os.environ["DIGIGOV_DATA_DIR"])).list()
    return record.id


def test_a_visitor_who_has_not_signed_in_sees_only_the_sign_in_page(data_dir):
    for page in (None, "upload", "regional"):
        at = session(None, page)
        assert [b.label for b in at.button] == ["登录"]
        assert not at.get("plotly_chart") and not at.dataframe and not at.file_uploader
        assert any(i.value.startswith("请使用单位的统一身份认证登录") for i in at.info)


def test_a_viewer_cannot_upload_and_sees_no_save_button(data_dir):
    at = session(VIEWER, "upload")
    assert not at.file_uploader
    assert any(i.value.startswith("您的角色是查看者") for i in at.info)
    assert not [b for b in at.button if b.key and b.key.startswith("upload_accept")]


def test_a_private_dataset_is_hidden_from_others_until_shared_with_their_group(data_dir):
    dataset = saved_by_analyst()
    record = DatasetStore(data_dir).get(dataset)
    assert (record.meta["owner"], record.meta["visibility"]) == ("a1", "private")
    viewer = session(VIEWER, "regional")
    assert sources(viewer) == ["示例数据（内置）"]
    assert sources(session(ANALYST, "regional")) == ["示例数据（内置）", "指数"]
    linked = session(VIEWER, "regional", {"src": dataset})  # a hand-typed link to someone else's dataset
    assert any(w.value.startswith("链接中的数据集不存在，或您没有查看权限") for w in linked.warning)
    assert linked.selectbox(key="regional_src").value == "builtin"
    assert any("示例数据" in w.value for w in linked.warning)  # the samples, not a byte of the hidden dataset

    owner = session(ANALYST, "upload")
    owner.selectbox(key=f"upload_visibility_{dataset}").set_value("group").run()
    owner.selectbox(key=f"upload_group_{dataset}").set_value("处室甲").run()
    owner.button(key="upload_share").click().run()
    assert not owner.exception, owner.exception
    assert DatasetStore(data_dir).get(dataset).meta["visibility"] == "group"
    assert sources(session(VIEWER, "regional")) == ["示例数据（内置）", "指数"]
    assert sources(session(OUTSIDER, "regional")) == ["示例数据（内置）"]


def test_only_the_owner_or_an_admin_may_change_a_dataset(data_dir):
    dataset = saved_by_analyst()
    DatasetStore(data_dir).update_meta(dataset, visibility="everyone")
    other = session(OTHER_ANALYST, "upload")
    listed = next(d.value for d in other.dataframe if "所有者" in d.value.columns)
    assert listed["所有者"].tolist() == ["a1"]  # listed: shared with everyone
    assert not [s for s in other.selectbox if s.key == "upload_pick"]  # but nothing of it to manage
    admin = session(ADMIN, "upload")
    admin.selectbox(key="upload_pick").set_value(dataset).run()
    admin.checkbox(key="upload_confirm").check().run()
    admin.button(key="upload_delete").click().run()
    assert not admin.exception, admin.exception
    assert DatasetStore(data_dir).list() == []


def test_the_admin_reads_the_audit_log_of_what_happened(data_dir):
    dataset = saved_by_analyst()
    session(VIEWER, "overview")
    admin = session(ADMIN, "upload")
    log = next(d.value for d in admin.dataframe if "操作" in d.value.columns)
    actions = list(zip(log["用户"], log["操作"], strict=True))
    assert ("a1", "保存") in actions and ("a1", "上传") in actions and ("v1", "登录") in actions
    assert ("root", "登录") in actions
    saved = next(e for e in AuditLog(data_dir / "audit").entries() if e.action == "save")
    assert saved.dataset == dataset and saved.role == "analyst"
    assert not any("操作" in d.value.columns for d in session(ANALYST, "upload").dataframe)  # admins only


def test_a_login_is_one_sign_in_however_many_sessions_it_opens(data_dir):
    """Every page load or new tab is a new session with the same ID-token claims: one sign-in entry per login."""
    login = {**VIEWER, "iss": "http://127.0.0.1:9", "iat": 1_900_000_000, "nonce": "n1"}
    for page in (None, "regional", "upload", None):
        at = session(login, page)
        at.run()  # a rerun of the same session
    session({**login, "iat": login["iat"] + 60, "nonce": "n2"})  # signed out and in again: a new login
    sign_ins = [e for e in AuditLog(data_dir / "audit").entries() if e.action == "sign_in"]
    assert [(e.user, e.role) for e in sign_ins] == [("v1", "viewer"), ("v1", "viewer")]
