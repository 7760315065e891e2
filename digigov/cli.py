"""The ``digigov`` command: what a page can do, without a browser.

``digigov findings DATA`` reads DATA exactly as the upload page does (same validation, same identifier removal)
and prints the sentences each page would show for it, or with ``--json`` the facts behind each sentence.
Exit status: 0 sentences printed, 2 the file has errors (the report is printed), 3 no page can read it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import polars as pl

from digigov.findings import Finding
from digigov.i18n import LANGUAGES, t
from digigov.ingest.pipeline import read_upload
from digigov.upload_kinds import kind_frames

DESCRIPTION = "数字政府决策看板 · Digital Government Decision Dashboard"
PAGES: tuple[str, ...] = ("overview", "regional", "channels", "demand")
PAGE_KIND = {
    "overview": "province_index",
    "regional": "province_index",
    "channels": "city_channels",
    "demand": "demand_funnel",
}


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


PAGE_FINDINGS: dict[str, Callable[[pl.DataFrame, int | None, str], list[Finding]]] = {
    "overview": _overview,
    "regional": _regional,
    "channels": _channels,
    "demand": _demand,
}


def page_findings(frames: dict[str, pl.DataFrame], pages: Sequence[str], year: int | None, lang: str) -> dict:
    """{page: [Finding]} for the pages whose kind of data the file holds, {page: reason} for the others."""
    found: dict[str, list[Finding]] = {}
    skipped: dict[str, str] = {}
    for page in pages:
        frame = frames.get(PAGE_KIND[page])
        if frame is None:
            skipped[page] = t("cli.no_data_for_page", lang, page=t(f"cli.page.{page}", lang))
        elif year is not None and year not in set(frame["year"].to_list()):
            skipped[page] = t("cli.no_year", lang, year=year, page=t(f"cli.page.{page}", lang))
        else:
            found[page] = PAGE_FINDINGS[page](frame, year, lang)
    return {"findings": found, "skipped": skipped}


def _print_report(result, lang: str, out: TextIO) -> None:
    print(result.report.summary(lang), file=out)
    for issue in result.report.errors:
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
    result = read_upload(path.name, data)
    if not result.ok:
        _print_report(result, lang, sys.stderr)
        return 2
    frames = kind_frames(result)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
