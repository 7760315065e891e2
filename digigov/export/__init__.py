"""Exports for briefing authors: chart images, the one-page briefing (PNG/PDF) and safe CSV/Excel tables.

Modules: tables (CSV/xlsx, formula-injection safe, no personal identifiers), images (kaleido PNG/PDF/SVG of
one figure), briefing (the one-page A4 briefing), browser (the shared headless Chromium, the export errors),
pdf_text (copy/search-correct Chinese text in Chromium's PDFs). Importing any of them starts nothing: Chromium
is started by the first export (or by images.warm_up()).
"""
