"""The upload page's presenter: the words about a file that was read and an import that is running."""

from digigov.i18n import t
from digigov.indicators import load_catalog
from digigov.ingest import read_upload
from digigov.ingest.chunked import ImportProgress
from digigov.ingest.limits import MIB
from digigov.presenters import upload as presenter
from tests.paths import UPLOADS

CORPUS = UPLOADS


def read(name: str):
    return read_upload(name, (CORPUS / name).read_bytes())


def test_detected_format_names_the_shape_encoding_and_delimiter():
    result = read("good_wide_gbk.csv")
    found = presenter.detected_format(result, "en")
    assert found.shape == t(f"ingest.shape.{result.shape}", "en")
    assert found.details == f"{t('upload.encoding', 'en')}: {result.encoding} · {t('upload.delimiter', 'en')}: ','"
    assert "gbk" in found.details


def test_parquet_has_no_text_details():
    assert presenter.detected_format(read("good_parquet.parquet"), "zh").details == ""


def test_progress_text_while_reading_and_aggregating():
    reading = ImportProgress(stage="reading", bytes_done=100 * MIB, bytes_total=400 * MIB, rows=12345, seconds=10)
    assert presenter.progress_text(reading, "en") == (
        t("upload.import_progress", "en", done="100", total="400", rows="12,345", seconds="10")
        + t("upload.import_remaining", "en", seconds="30")
    )
    aggregating = ImportProgress(stage="aggregating", bytes_done=400 * MIB, bytes_total=400 * MIB, rows=9, seconds=40)
    assert presenter.progress_text(aggregating, "zh") == t("upload.import_aggregating", "zh", rows="9")


def test_picker_labels():
    indicator = next(iter(load_catalog()))
    assert presenter.mapping_target_label(presenter.NOT_MAPPED, "zh") == t("upload.not_assigned", "zh")
    assert presenter.mapping_target_label(indicator, "en") == load_catalog()[indicator].name("en")
    assert presenter.mapping_target_label("year", "en") == t("ingest.role.year", "en")
    assert presenter.region_option_label("310000", "en") == "上海市 · Shanghai (310000)"
    assert presenter.region_option_label(presenter.NOT_MAPPED, "zh") == t("upload.region_skip", "zh")


RAW_REPORT_COLUMNS = {"severity", "code", "file", "sheet", "row", "column", "value", "message_zh", "message_en"}
RAW_PREVIEW_COLUMNS = {"adcode", "level", "drawn", "year"}


def test_report_table_is_localised_with_the_message_first():
    result = read("bad_year.csv")
    assert result.report.errors
    for lang in ("zh", "en"):
        table = presenter.report_table(result, lang)
        assert table.columns[0] == t("upload.report_col.message", lang)
        assert not set(table.columns) & RAW_REPORT_COLUMNS, lang
        severities = table[t("upload.report_col.severity", lang)].to_list()
        assert severities[0] == t("upload.severity.error", lang)
        assert set(severities) <= {t(f"upload.severity.{s}", lang) for s in ("error", "warning", "info")}
        assert table.null_count().sum_horizontal().item() == 0
        assert "None" not in str(table.rows())
    zh = presenter.report_table(result, "zh")
    assert zh["严重程度"][0] == "错误" and "年份" in zh["问题"][0]


def test_report_groups_rows_of_one_problem_with_their_count_and_first_rows():
    from digigov.ingest.report import ValidationReport, group_issues

    report = ValidationReport(file="x.csv", max_per_code=5)
    for row in range(2, 330):
        report.add("year_unparseable", "error", row=row, column="年份", value="去年")
    report.add("encoding_detected", "info", value="utf-8", encoding="utf-8")
    groups = group_issues(report)
    assert [g.code for g in groups] == ["year_unparseable", "encoding_detected"]
    assert groups[0].count == 328 and groups[0].rows == (2, 3, 4, 5, 6) and groups[0].columns == ("年份",)

    class Result:
        pass

    result = Result()
    result.report = report
    table = presenter.report_table(result, "zh")
    assert table.height == 2
    first = table.row(0, named=True)
    assert first["问题"].startswith("328 处：") and first["数量"] == 328
    assert first["行号"] == "2、3、4、5、6 等"
    assert first["列"] == "年份" and first["严重程度"] == "错误"
    assert table.row(1, named=True)["行号"] == "" and table.row(1, named=True)["严重程度"] == "提示"
    en = presenter.report_table(result, "en")
    assert en.row(0, named=True)["Problem"].startswith("328 cases: ")


def test_preview_names_regions_and_indicators_in_the_page_language():
    result = read("bad_non_numeric.csv")  # a missing value in the preview
    catalog = load_catalog()
    for lang in ("zh", "en"):
        table = presenter.preview_table(result, lang)
        assert table is not None
        assert not set(table.columns) & (RAW_PREVIEW_COLUMNS | set(catalog)), table.columns
        code, region = t("upload.preview_col.adcode", lang), t("upload.preview_col.region", lang)
        assert table.columns[:2] == [code, region]
        names = dict(zip(table[code].to_list(), table[region].to_list(), strict=True))
        assert names["110000"] == ("Beijing" if lang == "en" else "北京市")
        index = catalog["dgi_index"]
        assert t("upload.preview_with_unit", lang, name=index.name(lang), unit=index.unit_label(lang)) in table.columns
        assert table.null_count().sum_horizontal().item() == 0
        assert "None" not in str(table.rows())
    assert set(presenter.preview_table(result, "zh")["行政层级"].to_list()) == {"省级"}


def test_preview_shows_shares_as_percentages():
    result = read("excel_two_sheets.xlsx")
    table = presenter.preview_table(result, "zh")
    assert table is not None
    column = next(c for c in table.columns if c.endswith("（%）"))
    assert table[column][0] == "60"


def test_match_caption_says_how_a_column_was_matched():
    from digigov.ingest.columns import ColumnMatch

    exact = ColumnMatch("年份", "year", None, 1.0)
    assert presenter.match_caption(exact, "zh") == "匹配置信度 100%"
    meaning = ColumnMatch("倾向线下办理占比", "indicator", "offline_pref_share", 0.85, by_meaning=True)
    assert presenter.match_caption(meaning, "zh") == "按含义匹配，置信度 85%"
    suggested = ColumnMatch("窗口", None, None, 0.55, suggestion="channel_counter_share")
    name = load_catalog()["channel_counter_share"].name("zh")
    assert presenter.match_caption(suggested, "zh") == f"未自动指定；建议：{name}（55%）"
    taken = ColumnMatch("窗口", None, None, 0.0, suggestion="channel_counter_share")
    assert presenter.match_caption(taken, "zh") == f"未自动指定：{name} 已由另一列匹配"
    assert presenter.match_caption(ColumnMatch("备注", None), "en") == t("upload.match_none", "en")


def test_every_mapping_choice_has_its_own_label():
    """The widget keeps the label: two choices sharing one would be one choice (unassigned became ignored)."""
    from digigov.indicators import load_catalog
    from digigov.ingest.columns import ALL_ROLES
    from digigov.presenters.upload import NOT_MAPPED, mapping_target_label

    for lang in ("zh", "en"):
        labels = [mapping_target_label(v, lang) for v in (NOT_MAPPED, *ALL_ROLES, *load_catalog())]
        assert len(labels) == len(set(labels)), lang
