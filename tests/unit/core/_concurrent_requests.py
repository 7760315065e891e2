"""Child process for the concurrency regression test (not collected by pytest: no test_ prefix).

    python _concurrent_requests.py ROUNDS [--with-callback]

Runs, in several threads at once, what the server does for many officials on the channels, demand, regional
and download paths (the page-building code the views call, plus polars' to_pandas as st.dataframe does), and
prints one line per finished step, flushed. With polars 2.1, a Python callback inside a polars expression
(map_elements and co.) on one thread and to_pandas on another lock up against the GIL: every thread stops, the
process uses no CPU and a watchdog thread inside it cannot run either. So the parent watches this process's
output from outside and fails the test when no line arrives for a while.

--with-callback adds threads that run a map_elements expression, the way trend_table did before the fix: the
parent uses it to show that the harness notices the lock-up (it is a race, so not on every run).
"""

from __future__ import annotations

import sys
import threading
import warnings

import polars as pl

import components.preload  # noqa: F401  (first, as in app.py: first imports must not race between threads)
from digigov.analysis import demand_units, overview
from digigov.datasets import load_builtin
from digigov.export.tables import sanitise, to_csv_bytes
from digigov.figures import regional as regional_figures
from digigov.indicators import get_indicator
from digigov.presenters import channels as channels_presenter
from digigov.presenters import demand as demand_presenter

_print_lock = threading.Lock()


def tick(what: str) -> None:
    with _print_lock:
        sys.stdout.write(f"{what}\n")
        sys.stdout.flush()


def channels_work(lang: str) -> pl.DataFrame:
    frame = load_builtin("city_channels")
    sel = channels_presenter.Selection(year=int(frame["year"].max()))
    channels_presenter.trend_table(frame, sel, lang)
    shares = channels_presenter.unit_shares(frame, sel)
    return channels_presenter.details_table(shares, lang)


def demand_work(lang: str) -> pl.DataFrame:
    frame = demand_units.prepare(load_builtin("demand_funnel"))
    sel = demand_units.Selection(year=int(frame["year"].max()))
    rows = demand_units.units(frame, sel, grid=demand_units.suppression_grid(frame, sel.year, sel.level))
    points = demand_presenter.scatter_points(rows, lang)
    return demand_presenter.scatter_table(points, lang)


def regional_work(lang: str) -> pl.DataFrame:
    index = load_builtin("province_index")
    indicator = get_indicator("dgi_index")
    values = overview.values_for_year(index, int(index["year"].max()), indicator.column)
    regional_figures.macro_strip(values, indicator, lang)
    return values


def export_work(lang: str) -> pl.DataFrame:
    table = channels_work(lang)
    to_csv_bytes(table)
    return sanitise(table).frame


def callback_work(lang: str) -> pl.DataFrame:
    frame = load_builtin("city_channels")
    return frame.select(
        *[pl.col("adcode").map_elements(lambda a: a + lang, return_dtype=pl.String).alias(f"c{i}") for i in range(4)]
    )


def run(work, rounds: int, lang: str, name: str) -> None:
    for _ in range(rounds):
        table = work(lang)
        table.to_pandas()  # what st.dataframe does with a polars frame
        tick(name)


def main() -> None:
    warnings.filterwarnings("ignore")
    rounds = int(sys.argv[1])
    works = [channels_work, demand_work, regional_work, export_work]
    if "--with-callback" in sys.argv:
        works += [callback_work, callback_work]
    for work in works:  # warm the loaders' caches once, on one thread
        work("zh")
    threads = [
        threading.Thread(target=run, args=(work, rounds, lang, work.__name__), daemon=True)
        for work in works
        for lang in ("zh", "en")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tick("done")


if __name__ == "__main__":
    main()
