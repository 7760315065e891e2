"""Every page on generated datasets of its kind (issue 12): no exception, the uploaded-data notice and not the
sample notice, no missing value or placeholder in any text, and the findings sentences agree with the frame.

The strategies are in tests/strategies.py; the checks in tests/app/pagecheck.py. Each example stores one frame in
a temporary store (DIGIGOV_DATA_DIR), runs the page's script alone in AppTest on ?src=<id> and deletes the
dataset again. DIGIGOV_PAGE_EXAMPLES sets the number of examples per page (200 by default, as in CI).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from digigov.storage import DatasetStore
from tests import strategies
from tests.app.pagecheck import PAGE_KINDS, page_problems, run_view, save

EXAMPLES = int(os.environ.get("DIGIGOV_PAGE_EXAMPLES", "200"))
# While hunting for failures behind a known one: DIGIGOV_PAGE_SKIP="overview:TypeError@digigov/x.py:91,..." lets
# the examples that only show those failures pass (the keys are the suffix of the PageFailure_ names). Off in CI.
SKIP = {k.strip() for k in os.environ.get("DIGIGOV_PAGE_SKIP", "").split(",") if k.strip()}
settings.register_profile(
    "digigov-pages",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    print_blob=True,
)
PAGE_SETTINGS = settings(settings.get_profile("digigov-pages"))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated_store")
    old = os.environ.get("DIGIGOV_DATA_DIR")
    os.environ["DIGIGOV_DATA_DIR"] = str(root)
    yield DatasetStore(root)
    if old is None:
        os.environ.pop("DIGIGOV_DATA_DIR", None)
    else:
        os.environ["DIGIGOV_DATA_DIR"] = old


_FAILURES: dict[str, type[AssertionError]] = {}


def failure(key: str) -> type[AssertionError]:
    """One AssertionError subclass per distinct failure (a check, or the product line that raised): Hypothesis
    tells bugs apart by exception type and raise site, so each is shrunk and reported on its own."""
    if key not in _FAILURES:
        name = "PageFailure_" + "".join(c if c.isalnum() else "_" for c in key)
        _FAILURES[key] = type(name, (AssertionError,), {})
    return _FAILURES[key]


def check_page(store: DatasetStore, page: str, generated: strategies.Generated) -> None:
    dataset_id = save(store, PAGE_KINDS[page], generated.frame)
    try:
        at = run_view(page, dataset_id)
        problems = page_problems(page, at, generated.frame)
    finally:
        store.delete(dataset_id)
    problems = [p for p in problems if f"{page}:{p.key}" not in SKIP]
    if problems:
        raise failure(f"{page}:{problems[0].key}")(f"{page} on {generated.notes}:\n" + "\n".join(problems))


@PAGE_SETTINGS
@given(generated=strategies.province_index())
def test_overview_on_generated_index(store, generated):
    check_page(store, "overview", generated)


@PAGE_SETTINGS
@given(generated=strategies.province_index())
def test_regional_on_generated_index(store, generated):
    check_page(store, "regional", generated)


@PAGE_SETTINGS
@given(generated=strategies.city_channels())
def test_channels_on_generated_counts(store, generated):
    check_page(store, "channels", generated)


@PAGE_SETTINGS
@given(generated=strategies.demand_funnel())
def test_demand_on_generated_funnel(store, generated):
    check_page(store, "demand", generated)
