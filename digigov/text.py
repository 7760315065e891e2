"""Making user-supplied text inert where it is displayed."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def escape_markdown(text: object) -> str:
    """Backslash-escape Markdown and HTML-significant characters so user text renders literally in
    st.markdown and friends (no links, emphasis, headings, tags or LaTeX)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
