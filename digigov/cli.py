"""The ``digigov`` command: what a page can do, without a browser.

``digigov validate FILE [FILE ...]`` runs the upload pipeline on each file (CSV/TSV of any size through the
import folder's block reader, Excel and Parquet as uploads) and prints what the upload page would report.
Exit status: 0 every file could be saved, 1 some file has errors, 2 some file cannot be read at all.

``digigov findings DATA`` reads DATA exactly as the upload page does (same validation, same identifier removal)
and prints the sentences each page would show for it, or with ``--json`` the facts behind each sentence. The data
sharing page reads three kinds (a portal's catalogue, as of today; an exchange table; a platform table): the
findings of whichever the file holds are printed.
Exit status: 0 sentences printed, 2 the file has errors (the report is printed), 3 no page can read it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import polars as pl

from digigov.findings import Finding
from digigov.i18n import LANGUAGES, t
from digigov.ingest.chunked import import_csv_file
from digigov.ingest.pipeline import IngestResult, read_upload
from digigov.sources import KIND_COLUMNS
from digigov.upload_kinds import catalogue_report, saveable_kinds, sharing_report

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")

DESCRIPTION = "数字政府决策看板 · Digital Government Decision Dashboard"
PAGES: tuple[str, ...] = ("overview", "regional", "channels", "demand", "data_sharing")
# The kind each page reads; a page that reads several kinds lists them (the findings of whichever the file holds).
PAGE_KIND: dict[str, str | tuple[str, ...]] = {
    "overview": "province_index",
    "regional": "province_index",
    "channels": "city_channels",
    "demand": "demand_funnel",
    "data_sharing": ("open_data_catalogue", "sharing_calls", "platform_operations"),
}


def page_kinds(page: str) -> tuple[str, ...]:
    kinds = PAGE_KIND[page]
    return (kinds,) if isinstance(kinds, str) else kinds


def _latest(frame: pl.DataFrame) -> int:
    return int(frame["year"].drop_nulls().max())  # type: ignore[arg-type]


def _overview(frame: pl.DataFrame, year: int | None, lang: str) -> list[Finding]:
    from digigov.presenters.overview_findings import overview_findings

    return overview_findings(frame, year or _latest(frame), lang)


def _regional(frame: pl.DataFrame, year: int | None, lang: str) -> list[Finding]:
    from digigov.presenters.regional import regional_findings

    return regional_findings(frame, year or _latest(frame), lang)


def _channels(frame: pl.DataFrame, year: int | None, lang: str) -> list[Finding]:
    from digigov.presenters.channels import channels_findings

    return channels_findings(frame, year or _latest(frame), lang)


def _demand(frame: pl.DataFrame, year: int | None, lang: str) -> list[Finding]:
    from digigov.presenters.demand import demand_findings

    return demand_findings(frame, lang, year=year)


def _data_sharing(frame: pl.DataFrame, year: int | None, lang: str) -> list[Finding]:
    """A catalogue (freshness as of today, the page's default for an upload), sharing calls or platforms."""
    from digigov.presenters import data_sharing

    present = set(frame.columns)
    if set(KIND_COLUMNS["open_data_catalogue"]) <= present:
        return data_sharing.catalogue_findings(frame, dt.date.today(), lang)
    if set(KIND_COLUMNS["sharing_calls"]) <= present:
        return data_sharing.sharing_findings(frame, None, lang, markdown=False)
    return data_sharing.operations_findings(frame, lang, markdown=False)


PAGE_FINDINGS: dict[str, Callable[[pl.DataFrame, int | None, str], list[Finding]]] = {
    "overview": _overview,
    "regional": _regional,
    "channels": _channels,
    "demand": _demand,
    "data_sharing": _data_sharing,
}


def page_findings(frames: dict[str, pl.DataFrame], pages: Sequence[str], year: int | None, lang: str) -> dict:
    """{page: [Finding]} for the pages whose kind of data the file holds, {page: reason} for the others."""
    found: dict[str, list[Finding]] = {}
    skipped: dict[str, str] = {}
    for page in pages:
        frame = next((frames[k] for k in page_kinds(page) if k in frames), None)
        if frame is None:
            skipped[page] = t("cli.no_data_for_page", lang, page=t(f"cli.page.{page}", lang))
        elif year is not None and "year" in frame.columns and year not in set(frame["year"].to_list()):
            skipped[page] = t("cli.no_year", lang, year=year, page=t(f"cli.page.{page}", lang))
        else:
            found[page] = PAGE_FINDINGS[page](frame, year, lang)
    return {"findings": found, "skipped": skipped}


def read_file(path: Path) -> IngestResult:
    """The upload pipeline on a file on disk: text files in blocks (any size, as the import folder), others whole
    (within the upload cap). Raises OSError when the file cannot be opened."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        return import_csv_file(path, name=path.name)
    return read_upload(path.name, path.read_bytes())


def _print_report(result, lang: str, out: TextIO) -> None:
    """The pipeline's report; for a catalogue, exchange table or platform table, that table's own errors."""
    own = catalogue_report(result) or sharing_report(result)
    report = own.report if own is not None else result.report
    print(report.summary(lang), file=out)
    for issue in report.errors:
        print(f"- {issue.message(lang)}", file=out)


def findings_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    path = Path(args.data)
    lang = args.lang
    try:
        data = path.read_bytes()
    except OSError as err:
        print(t("cli.unreadable", lang, file=str(path), error=err.strerror or str(err)), file=sys.stderr)
        return 2
    del data
    result = read_file(path)
    frames = saveable_kinds(result)  # a catalogue or sharing table has no indicator columns, and need none
    if not result.ok and not frames:
        _print_report(result, lang, sys.stderr)
        return 2
    pages = PAGES if args.page == "all" else (args.page,)
    outcome = page_findings(frames, pages, args.year, lang)
    if not outcome["findings"]:
        for reason in outcome["skipped"].values():
            print(reason, file=sys.stderr)
        return 3
    if args.json:
        payload = {
            "file": path.name,
            "lang": lang,
            "pages": {
                page: [{"key": f.key, "text": f.text, "facts": f.facts_dict()} for f in items]
                for page, items in outcome["findings"].items()
            },
            "skipped": outcome["skipped"],
        }
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    for page, items in outcome["findings"].items():
        print(f"# {t(f'cli.page.{page}', lang)}", file=out)
        for finding in items:
            print(f"- {finding.text}", file=out)
        if not items:
            print(t("cli.no_findings", lang), file=out)
        print(file=out)
    for reason in outcome["skipped"].values():
        print(reason, file=out)
    return 0


def file_summary(path: Path, result: IngestResult, lang: str) -> dict:
    """What the upload page would say of the file, as plain values (the JSON of `digigov validate --json`)."""
    frames = saveable_kinds(result)  # the upload page's rule (self-read kinds need no indicator columns)
    rows = result.frame.height if result.frame is not None else 0
    return {
        "file": str(path),
        "saveable": result.ok or bool(frames),
        "format": result.kind,
        "encoding": result.encoding,
        "delimiter": result.delimiter,
        "sheet": result.sheet,
        "header_row": result.header_row,
        "shape": result.shape,
        "rows": rows,
        "pages": sorted(frames),
        "regions_resolved": len(result.regions.resolved),
        "regions_unresolved": sorted(result.regions.unresolved),
        "counts": result.report.counts(),
        # numbers the catalog does not have: the upload page offers them as the analyst's own indicators
        "uncatalogued": [
            {"label": u.label, "name": u.name, "unit": u.unit, "values": u.values["value"].is_not_null().sum()}
            for u in result.uncatalogued
        ],
        "issues": [
            {
                "severity": i.severity,
                "code": i.code,
                "row": i.row,
                "column": i.column,
                "value": i.value,
                "message": i.message(lang),
            }
            for i in result.report.issues
        ],
    }


def _print_summary(summary: dict, lang: str, out: TextIO) -> None:
    verdict = t("cli.validate.ok" if summary["saveable"] else "cli.validate.errors", lang)
    print(f"# {summary['file']}: {verdict}", file=out)
    missing = t("value.missing", lang)
    facts = {
        "format": summary["format"],
        "encoding": summary["encoding"] or missing,
        "shape": summary["shape"],
        "rows": summary["rows"],
        "pages": t("list.separator", lang).join(t(f"upload.kind.{k}", lang) for k in summary["pages"]) or missing,
        "resolved": summary["regions_resolved"],
        "unresolved": t("list.separator", lang).join(summary["regions_unresolved"]) or missing,
    }
    print(t("cli.validate.facts", lang, **facts), file=out)
    for item in summary.get("uncatalogued", []):
        print(t("cli.validate.uncatalogued", lang, label=item["label"], values=item["values"]), file=out)
    for issue in summary["issues"]:
        severity = t(f"cli.severity.{issue['severity']}", lang)
        print(f"- [{severity}] {issue['code']}: {issue['message']}", file=out)
    print(file=out)


def validate_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    status = 0
    summaries = []
    for name in args.files:
        path = Path(name)
        try:
            result = read_file(path)
        except OSError as err:
            print(t("cli.unreadable", args.lang, file=str(path), error=err.strerror or str(err)), file=sys.stderr)
            status = 2
            continue
        summary = file_summary(path, result, args.lang)
        summaries.append(summary)
        if not summary["saveable"]:
            status = max(status, 1)
        if not args.json:
            _print_summary(summary, args.lang, out)
    if args.json:
        for summary in summaries:
            out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digigov", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    findings = commands.add_parser(
        "findings",
        help="print the findings sentences each page would show for a data file",
        description="Read DATA as the upload page does and print the sentences each page would show for it.",
    )
    findings.add_argument("data", metavar="DATA", help="a CSV, TSV, Excel (.xlsx) or Parquet file")
    findings.add_argument("--page", choices=(*PAGES, "all"), default="all")
    findings.add_argument("--year", type=int, default=None, help="the year (default: the latest in the data)")
    findings.add_argument("--lang", choices=LANGUAGES, default="zh")
    findings.add_argument("--json", action="store_true", help="print the facts behind each sentence as JSON")
    findings.set_defaults(run=findings_command)
    validate = commands.add_parser(
        "validate",
        help="check files as the upload page does, before sending them",
        description="Run the upload pipeline on each FILE and print the report the upload page would show.",
    )
    validate.add_argument("files", metavar="FILE", nargs="+", help="CSV, TSV, Excel (.xlsx) or Parquet files")
    validate.add_argument("--lang", choices=LANGUAGES, default="zh")
    validate.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    validate.set_defaults(run=validate_command)
    from digigov.briefing_cli import add_commands  # brief and schedule (imported here: it imports this module)

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
