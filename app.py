"""数字政府决策看板 · Digital Government Decision Dashboard — entry point: `streamlit run app.py`."""

import streamlit as st

import components.preload  # noqa: F401  (first: the imports must not race between the first sessions)
from components.language import current_language
from digigov.i18n import t
from digigov.presenters.methods import URL_PATH as METHODS_PATH

st.set_page_config(page_title=t("app.title", current_language()), page_icon=":material/account_balance:", layout="wide")
lang = current_language()
st.sidebar.caption(t("app.subtitle", lang))

pages = [
    st.Page(
        "views/overview.py",
        title=t("nav.overview", lang),
        url_path="overview",
        default=True,
        icon=":material/dashboard:",
    ),
    st.Page("views/regional.py", title=t("nav.regional", lang), url_path="regional", icon=":material/map:"),
    st.Page("views/channels.py", title=t("nav.channels", lang), url_path="channels", icon=":material/devices:"),
    st.Page("views/demand.py", title=t("nav.demand", lang), url_path="demand", icon=":material/insights:"),
    st.Page(
        "views/data_sharing.py", title=t("nav.data_sharing", lang), url_path="data-sharing", icon=":material/share:"
    ),
    st.Page("views/upload.py", title=t("nav.upload", lang), url_path="upload", icon=":material/upload_file:"),
    st.Page("views/briefing.py", title=t("nav.briefing", lang), url_path="briefing", icon=":material/description:"),
    st.Page("views/methods.py", title=t("nav.methods", lang), url_path=METHODS_PATH, icon=":material/menu_book:"),
]
st.navigation(pages).run()
