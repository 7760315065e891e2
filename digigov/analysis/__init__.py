"""Analyses on polars frames: pure functions, no streamlit."""
