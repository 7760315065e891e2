"""数字政府决策看板 · Digital Government Decision Dashboard — entry point: `streamlit run app.py`."""

import streamlit as st

import components.preload  # noqa: F401  (first: the imports must not race between the first sessions)
from components import first_map
from components.auth import signed_in_user
from components.language import current_language
from digigov.a11y import page_script, page_title
from digigov.i18n import t
from digigov.presenters.methods import URL_PATH as METHODS_PATH

lang = current_language()
first_map.new_run()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/account_balance:", layout="wide")
st.sidebar.caption(t("app.subtitle", lang))
signed_in_user(lang)  # stops here, at the sign-in page, for a visitor who has not signed in

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
current = st.navigation(pages)
# Each page its own browser title; the document language and the charts' accessible names (digigov/a11y.py: catalog
# data only, no user data in the script).
st.set_page_config(page_title=page_title(current.title, lang))
st.sidebar.html(page_script(lang), unsafe_allow_javascript=True)
current.run()
