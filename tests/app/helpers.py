"""What the AppTest page tests share: opening a page through the whole app, and reading the charts it drew."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

CJK = re.compile(r"[\u4e00-\u9fff]")


def open_view(app: AppTest, view: str) -> AppTest:
    """Run the app (navigation included), switch to views/<view>.py and check it rendered without exception."""
    at = app.run()
    at.switch_page(f"views/{view}.py").run()
    assert not at.exception, at.exception
    return at


def chart_specs(at: AppTest) -> list[dict]:
    """The figure of every plotly chart on the page (AppTest has no chart accessor: the proto holds the JSON)."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_texts(at: AppTest) -> list[str]:
    """The same figures as JSON text with non-ASCII characters unescaped, to search for names and labels."""
    return [json.dumps(spec, ensure_ascii=False) for spec in chart_specs(at)]


def upload_page(app: AppTest, data_dir, monkeypatch, corpus):
    """The upload page on a fresh store in data_dir; send(name, data=None) uploads corpus/name (or data) and checks
    the page survived; send.at is the page, send.store the store."""
    from digigov.storage import DatasetStore

    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(data_dir))
    at = app.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, at.exception

    def send(name: str, data: bytes | None = None) -> AppTest:
        payload = data if data is not None else (corpus / name).read_bytes()
        at.file_uploader[0].upload(name, payload, "application/octet-stream").run()
        assert not at.exception, at.exception
        return at

    send.at = at  # type: ignore[attr-defined]
    send.store = DatasetStore(data_dir)  # type: ignore[attr-defined]
    return send


def accept_button(at: AppTest):
    """The upload page's save button."""
    return next(b for b in at.button if b.key and b.key.startswith("upload_accept"))


# components.notices.sample_notice: the bilingual sample notice (the one text an English page may show in Chinese),
# a highlighted markdown line rather than an alert.
SAMPLE_NOTICE_PREFIX = ":orange-background[:material/science: 示例数据 / sample data"


def is_sample_notice(text: str) -> bool:
    return text.startswith(SAMPLE_NOTICE_PREFIX)


def tab_keys(at: AppTest) -> list[str]:
    """The keys of the page's chart/table tab pairs (components/tabs.py: each ends in _tabs)."""
    return [k for k in at.session_state._state.filtered_state if k.endswith("_tabs")]


def open_tables(at: AppTest, lang: str = "zh") -> AppTest:
    """Open the table tab of every chart (only the open tab is drawn) and rerun, as a reader clicking 数据表."""
    from digigov.i18n import t

    for key in tab_keys(at):
        at.session_state[key] = t("overview.table_tab", lang)
    return at.run()
