"""Sign-in against a real OpenID provider (oidc-provider-mock on loopback) in Chromium, through Streamlit's st.login:
a visitor sees only the sign-in page whatever URL they type; a viewer, an analyst and an admin each get what their
role allows, including through hand-typed URLs; each login is one sign-in entry in the audit log, however many
pages, tabs and reloads it opens."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from digigov.storage import DatasetStore
from tests.e2e.helpers import (
    ARTIFACTS,
    VIEWPORT,
    free_port,
    keyed,
    open_page,
    running_app,
    screenshot,
    wait_for_script,
)
from tests.paths import UPLOADS

pytestmark = pytest.mark.e2e

USERS = {
    "viewer1": {"name": "查看者", "email": "viewer1@example.gov.cn", "groups": ["处室甲"]},
    "analyst1": {"name": "分析员", "email": "analyst1@example.gov.cn", "groups": ["digigov-analyst", "处室甲"]},
    "admin1": {"name": "管理员", "email": "admin1@example.gov.cn", "groups": ["digigov-admin"]},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims=claims) for sub, claims in USERS.items()]
    with run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def signed_app(provider, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The app with [auth] configured for the provider; yields its URL and its data folder."""
    data = tmp_path_factory.mktemp("signed_userdata")
    port = free_port()
    secrets = data / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "e2e-cookie-secret-e2e-cookie-secret"\n'
        'client_id = "digigov"\n'
        'client_secret = "digigov-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_kwargs = { scope = "openid profile email" }\n',
        encoding="utf-8",
    )
    args = ("--secrets.files", str(secrets))
    env = {"AUTHLIB_INSECURE_TRANSPORT": "1"}  # plain http on loopback, for the test only
    with running_app(data, ARTIFACTS / "streamlit_signed.log", port=port, args=args, env=env) as url:
        yield url, data


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # cookies of one user only
    yield context
    context.close()


def sign_in(context, url: str, sub: str):
    page = context.new_page()
    open_page(page, url, "/overview")
    page.get_by_role("button", name="登录").click()
    try:
        page.get_by_role("button", name=sub, exact=True).click(timeout=20_000)  # the provider's one-click user
    except Exception:
        screenshot(page, f"sign_in_failed_{sub}.png")
        print(page.url, page.content()[:2000])
        raise
    page.wait_for_url(re.compile(re.escape(url)), timeout=60_000)
    page.get_by_text(re.compile("^已登录：")).wait_for(timeout=60_000)
    return page


@pytest.mark.parametrize("path", ["/overview", "/upload", "/regional?src=" + "a" * 32, "/methods"])
def test_a_visitor_sees_only_the_sign_in_page(context, signed_app, path):
    url, _ = signed_app
    page = context.new_page()
    open_page(page, url, path)
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    assert page.get_by_text("请使用单位的统一身份认证登录后查看。").is_visible()
    assert page.locator(".js-plotly-plot").count() == 0 and page.locator("input[type=file]").count() == 0
    assert page.locator("[data-testid=stSidebarNav]").count() == 0  # no navigation to other pages either


def test_roles_decide_what_each_user_can_do(browser, signed_app):
    url, data = signed_app
    analyst = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = sign_in(analyst, url, "analyst1")
    assert page.get_by_text("已登录：分析员（分析人员）").is_visible()
    open_page(page, url, "/upload")
    payload = (UPLOADS / "good_wide_gbk.csv").read_bytes()
    keyed(page, "upload_file").locator("input[type=file]").set_input_files(
        files=[{"name": "指数.csv", "mimeType": "text/csv", "buffer": payload}]
    )
    digest = hashlib.sha256(payload).hexdigest()
    keyed(page, f"upload_accept_{digest}").get_by_role("button").click()
    page.get_by_text(re.compile("^已保存“")).first.wait_for(timeout=60_000)
    (record,) = DatasetStore(data).list()
    assert (record.meta["owner"], record.meta["visibility"]) == ("analyst1", "private")
    analyst.close()

    viewer = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = sign_in(viewer, url, "viewer1")
    open_page(page, url, "/upload")
    page.get_by_text(re.compile("^您的角色是查看者")).first.wait_for()
    assert page.locator("input[type=file]").count() == 0
    open_page(page, url, f"/regional?src={record.id}")  # typed by hand: the analyst's private dataset
    page.get_by_text(re.compile("^链接中的数据集不存在，或您没有查看权限")).wait_for(timeout=60_000)
    screenshot(page, "sign_in_viewer_hidden_link.png")
    tab = viewer.new_page()  # a second tab, then a reload: new sessions of the same login
    open_page(tab, url, "/methods")
    tab.reload()
    wait_for_script(tab)
    tab.get_by_text(re.compile("^已登录：")).wait_for(timeout=60_000)
    viewer.close()

    admin = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = sign_in(admin, url, "admin1")
    open_page(page, url, "/upload")
    page.get_by_role("heading", name="审计日志").wait_for(timeout=60_000)
    screenshot(page, "sign_in_admin_audit.png")
    admin.close()
    actions = [line for line in (data / "audit" / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any('"user": "analyst1"' in a and '"action": "save"' in a for a in actions)
    sign_ins = [json.loads(a)["user"] for a in actions if '"action": "sign_in"' in a]
    # one entry per login, though the viewer's login opened five sessions (two tabs, a reload, typed URLs)
    assert sorted(sign_ins) == ["admin1", "analyst1", "viewer1"], sign_ins
