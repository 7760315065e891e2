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
