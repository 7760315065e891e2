"""A findings sentence together with the facts it was chosen by.

Every page words its findings in two steps: one function per finding computes the facts (a small frozen
dataclass: which group is larger, the sign of a change, whether a test was significant) and returns None when
the finding's premise fails on the data; another picks the catalog key from those facts and fills it. Pages show
``Finding.text``; ``digigov findings --json`` and the tests read ``Finding.facts``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One sentence: the catalog key its wording came from, the text in one language, and its facts."""

    key: str
    text: str
    facts: Any  # a frozen dataclass instance (or None for a purely descriptive sentence)

    def facts_dict(self) -> dict[str, Any]:
        """The facts as JSON-ready values: NaN becomes None, tuples become lists."""
        if self.facts is None:
            return {}
        return _json_ready(dataclasses.asdict(self.facts))


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def signed(value: float, digits: int = 1) -> str:
    """A change with its sign: +3.0, -3.0, 0.0 (never "+-3.0")."""
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


ALPHA_SHOWN = 0.05  # the level every finding tests at


def p_text(p_value: float) -> str:
    """'p = 0.034', or 'p < 0.001' where three decimals would print a misleading 0.000, and 'p < 0.050' where
    rounding would print 0.050 for a p just below the 5 % level that the sentence calls significant."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < ALPHA_SHOWN <= round(p_value, 3):
        return f"p < {ALPHA_SHOWN:.3f}"
    return f"p = {p_value:.3f}"


def texts(findings: list[Finding]) -> tuple[str, ...]:
    return tuple(f.text for f in findings)
