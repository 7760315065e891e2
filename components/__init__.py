"""Reusable Streamlit pieces. Logic lives in digigov; these only lay things out."""
