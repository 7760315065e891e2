"""Notices every page shows while built-in sample data are on screen."""

from __future__ import annotations

import streamlit as st

from digigov.i18n import t


def sample_notice(lang: str) -> None:
    st.warning(t("sample.notice", lang), icon=":material/science:")
