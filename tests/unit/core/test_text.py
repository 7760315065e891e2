import pytest

from digigov.text import escape_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '=HYPERLINK("http://x","y")',
        "**bold** # h",
        "$x^2$",
        "line1\nline2",
    ],
)
def test_escape_markdown_leaves_no_active_syntax(hostile):
    escaped = escape_markdown(hostile)
    for ch in "<>[]()*#$=":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)
    assert "\n" not in escaped
