"""Plotly figure builders: pure functions from polars frames to go.Figure."""
