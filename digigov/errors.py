"""The one base class of errors whose text a user may see.

A page shows ``error.message(lang)``: localised text from the zh/en catalog, filled from the parameters the
error was raised with. The parameters must never hold a server path or another internal detail (the module
that raises logs those instead); ``str(error)`` is the English text, for logs and tracebacks.
"""

from __future__ import annotations

from digigov.i18n import t

__all__ = ["UserFacingError"]


class UserFacingError(Exception):
    """An error with a catalog key and parameters; ``message(lang)`` is the text for the user."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        # Resolved now, so a missing key fails where the error is raised (strict mode), not where it is shown.
        super().__init__(t(key, "en", **values))

    def message(self, lang: str) -> str:
        """The text for the user in lang."""
        return t(self.key, lang, **self.values)

    def __str__(self) -> str:
        # KeyError subclasses (DatasetNotFoundError) would otherwise show the text in quotes.
        return str(self.args[0]) if self.args else self.key
