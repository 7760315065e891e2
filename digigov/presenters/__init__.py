"""One module per page (the view script of the same name): a frame, the selection and the language in, one frozen
dataclass out that the view lays out without further logic (sentences, localised tables, figures)."""
