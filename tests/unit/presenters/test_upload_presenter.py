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


def test_report_table_keeps_the_message_in_the_users_language():
    result = read("bad_year.csv")
    assert result.report.errors or result.report.warnings
    zh, en = presenter.report_table(result, "zh"), presenter.report_table(result, "en")
    assert "message_zh" in zh.columns and "message_en" not in zh.columns
    assert "message_en" in en.columns and "message_zh" not in en.columns


def test_every_mapping_choice_has_its_own_label():
    """The widget keeps the label: two choices sharing one would be one choice (unassigned became ignored)."""
    from digigov.indicators import load_catalog
    from digigov.ingest.columns import ALL_ROLES
    from digigov.presenters.upload import NOT_MAPPED, mapping_target_label

    for lang in ("zh", "en"):
        labels = [mapping_target_label(v, lang) for v in (NOT_MAPPED, *ALL_ROLES, *load_catalog())]
        assert len(labels) == len(set(labels)), lang
