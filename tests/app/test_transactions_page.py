"""A service-transaction log (one row per 办件, no preference question) is saved on the upload page as
city_transactions and shown on the channels page as actual handling, never as a preference (issue 19)."""

from __future__ import annotations

import pytest

from digigov.storage import DatasetStore
from tests.paths import ROOT

REAL = ROOT / "tests" / "data" / "real"


@pytest.fixture
def upload(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    at = app.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception

    def send(name: str):
        at.file_uploader[0].upload(name, (REAL / name).read_bytes(), "application/octet-stream").run()
        assert not at.exception, at.exception
        return at

    send.at = at
    send.store = DatasetStore(tmp_path)
    return send


def accept_button(at):
    return next(b for b in at.button if b.key and b.key.startswith("upload_accept"))


@pytest.mark.parametrize(
    ("name", "finding"),
    [
        ("transactions_guangdong_gb18030.csv", "2024 年 1 个地区共 2 件办件，实际在窗口办理的占比为 50.0%。"),
        (
            "transactions_zhejiang_jiangsu_rating_utf8bom.csv",
            "2023 年 2 个地区共 10 件办件，实际在窗口办理的占比为 40.0%。",
        ),
    ],
)
def test_transaction_log_is_saved_and_shown_as_actual_handling(upload, name, finding):
    at = upload(name)
    assert not at.error, [e.value for e in at.error]
    accept_button(at).click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("已保存") for s in at.success)
    records = upload.store.list()
    assert len(records) == 1 and records[0].meta["kinds"] == ["city_transactions"]

    at.switch_page("views/channels.py").run()
    assert not at.exception, at.exception
    assert any(s.value == "实际办理渠道（办件记录）" for s in at.header)
    assert finding in [m.value for m in at.markdown]
    frames = [d.value for d in at.dataframe]
    handling = next(f for f in frames if "实际在窗口办理的占比（%）" in f.columns)
    assert handling.shape[0] == (3 if "guangdong" in name else 2)
    caption = next(c.value for c in at.caption if c.value.startswith("根据政务服务系统的办件记录计算"))
    assert "实际在窗口办理的占比" in caption and "不是受访者陈述的意愿" in caption
    # the section's own words: actual handling, never "偏好线下" (the survey sections below keep their wording)
    assert not any("偏好线下" in text for text in (finding, caption, *map(str, handling.columns)))


def test_channels_page_without_a_log_has_no_handling_section(app, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGIGOV_DATA_DIR", str(tmp_path))
    at = app.run()
    at.switch_page("views/channels.py").run()
    assert not at.exception
    assert not any(s.value == "实际办理渠道（办件记录）" for s in at.header)
