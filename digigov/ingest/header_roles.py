"""Headers matched to roles by their spellings, for the tables read outside the indicator pipeline (portal
catalogues, sharing tables): exact spelling first, then a header containing a spelling; each header used once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence


def match_roles(
    columns: Sequence[str], spellings: Mapping[str, Sequence[str]], key: Callable[[str], str]
) -> dict[str, str]:
    """role -> header; key folds a header before it is compared with the spellings (already folded)."""
    keys = {c: key(c) for c in columns}
    found: dict[str, str] = {}
    used: set[str] = set()
    for exact in (True, False):
        for role, names in spellings.items():
            if role in found:
                continue
            for name in names:
                hit = next(
                    (
                        c
                        for c, k in keys.items()
                        if c not in used and (k == name if exact else (len(name) > 1 and name in k))
                    ),
                    None,
                )
                if hit is not None:
                    found[role] = hit
                    used.add(hit)
                    break
    return found
