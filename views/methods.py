"""Methods and data dictionary (方法与数据说明): every indicator of the catalog, every statistic with its formula
and references, what the sample data are and the map's sources. No data of the user's are shown here.

Each section and entry heading has an anchor (digigov.presenters.methods.anchor), so that method_link on the other
pages opens this page scrolled to the entry."""

import streamlit as st

from components.language import language_switch
from digigov.presenters import methods as presenter

lang = language_switch()
view = presenter.methods_view(lang)
st.title(view.title)
st.caption(view.intro)
st.markdown(f"**{view.toc_label}**\n\n{view.toc}")

for section in view.sections:
    st.header(section.title, anchor=section.anchor, divider=True)
    st.markdown(section.intro)
    for entry in section.entries:
        with st.container(border=True):
            st.subheader(entry.title, anchor=entry.anchor)
            for paragraph in entry.paragraphs:
                st.markdown(paragraph)
            for field in entry.lead_fields:
                st.markdown(field.line)
            if entry.formulas:
                st.markdown(f"**{view.formula_label}**")
            for formula in entry.formulas:
                st.latex(formula)
            if entry.detail_fields:
                st.markdown("\n".join(f"- {field.line}" for field in entry.detail_fields))
            if entry.references:
                st.markdown(f"**{view.references_label}**")
                st.markdown("\n".join(f"- {reference}" for reference in entry.references))
