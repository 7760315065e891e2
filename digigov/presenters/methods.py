"""The methods page (方法与数据说明, views/methods.py): every indicator of the catalog, every statistic with its
formula and references, what the sample data are and the map's sources, as one frozen ``MethodsView``.

Other pages link to an entry with ``method_link(entry_id, lang)``: a markdown link to the methods page's URL path
plus ``#anchor``. Streamlit gives a heading drawn with ``st.header(..., anchor=a)`` the element id ``a`` and scrolls
to it when the page opens with ``#a`` in the URL; a markdown link to another page opens in a new tab, so the
link carries ``?lang=en`` when the page is in English. ``CHART_ENTRIES`` says which entries each chart links to.

Indicator entries take their texts from the indicator catalog (data/indicators.toml); their id is the indicator id.
Statistic and data entries take their paragraphs from the keys ``methods.stat.<id>.p1``, ``p2`` ... (and
``methods.data.<id>.p1`` ...) of digigov/locale/methods.toml; formulas (LaTeX) and reference keys are below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from digigov.i18n import DEFAULT_LANGUAGE, catalog, normalise_language, t
from digigov.indicators import Indicator, load_catalog

URL_PATH = "methods"  # app.py registers views/methods.py under this path
SECTIONS: tuple[str, ...] = ("indicators", "statistics", "data")
LEAD_FIELDS: frozenset[str] = frozenset({"definition"})


@dataclass(frozen=True)
class Statistic:
    """A statistic's formulas (LaTeX, language-neutral) and the catalog keys of its references."""

    id: str
    formulas: tuple[str, ...]
    references: tuple[str, ...]


def _row(*parts: str) -> str:
    """Several formulas on one display line, separated by a comma and a wide space."""
    return r", \qquad ".join(parts)


STATISTICS: tuple[Statistic, ...] = (
    Statistic(
        "gini",
        (
            _row(
                r"G = \frac{\sum_{i=1}^{n} \sum_{j=1}^{n} \lvert x_i - x_j \rvert}{2 n^2 \mu}",
                r"\mu = \frac{1}{n} \sum_{i=1}^{n} x_i",
            ),
        ),
        ("gini1912",),
    ),
    Statistic(
        "theil",
        (
            r"T = \frac{1}{n} \sum_{i=1}^{n} \frac{x_i}{\mu} \ln \frac{x_i}{\mu}",
            _row(
                r"T = T_B + T_W",
                r"T_B = \sum_{g} S_g \ln \frac{\mu_g}{\mu}",
                r"T_W = \sum_{g} S_g T_g",
                r"S_g = \frac{n_g \mu_g}{n \mu}",
            ),
        ),
        ("theil1967",),
    ),
    Statistic(
        "dagum",
        (
            r"G = G_w + G_{nb} + G_t",
            _row(
                r"G_{jh} = \frac{\sum_{i=1}^{n_j} \sum_{r=1}^{n_h} \lvert y_{ji} - y_{hr} \rvert}"
                r"{n_j n_h (\mu_j + \mu_h)}",
                r"G_{jj} = \frac{\sum_{i} \sum_{r} \lvert y_{ji} - y_{jr} \rvert}{2 n_j^2 \mu_j}",
            ),
            _row(
                r"G_w = \sum_{j} G_{jj} \, p_j s_j",
                r"G_{nb} = \sum_{j > h} G_{jh} (p_j s_h + p_h s_j) D_{jh}",
                r"G_t = \sum_{j > h} G_{jh} (p_j s_h + p_h s_j)(1 - D_{jh})",
            ),
            _row(
                r"D_{jh} = \frac{d_{jh} - p_{jh}}{d_{jh} + p_{jh}}",
                r"p_j = \frac{n_j}{n}",
                r"s_j = \frac{n_j \mu_j}{n \mu}",
            ),
        ),
        ("dagum1997",),
    ),
    Statistic(
        "cv",
        (
            _row(r"CV = \frac{\sigma}{\mu}", r"\sigma = \sqrt{\frac{1}{n} \sum_{i=1}^{n} (x_i - \mu)^2}"),
            r"R = \frac{\max_i x_i}{\min_i x_i}",
        ),
        ("williamson1965",),
    ),
    Statistic(
        "sigma",
        (_row(r"CV_t = \frac{\sigma_t}{\mu_t}", r"\sigma\text{-convergence} \iff CV_{t_1} < CV_{t_0}"),),
        ("barro1992",),
    ),
    Statistic(
        "beta",
        (
            r"g_i = \frac{1}{T} \ln \frac{y_{iT}}{y_{i0}} = \alpha + \beta \ln y_{i0} + \varepsilon_i",
            _row(r"\lambda = -\frac{\ln(1 + \beta T)}{T}", r"t_{1/2} = \frac{\ln 2}{\lambda}"),
        ),
        ("barro1992",),
    ),
    Statistic(
        "moran",
        (
            _row(
                r"I = \frac{n}{S_0} \frac{\sum_{i} \sum_{j} w_{ij} z_i z_j}{\sum_{i} z_i^2}",
                r"z_i = x_i - \bar{x}",
                r"S_0 = \sum_{i} \sum_{j} w_{ij}",
                r"E[I] = -\frac{1}{n - 1}",
            ),
            _row(r"p_{\text{sim}} = \frac{\min\left(\#\{I^{*} \ge I\}, \#\{I^{*} < I\}\right) + 1}{M + 1}", "M = 999"),
        ),
        ("moran1950", "cliff1981"),
    ),
    Statistic(
        "lisa",
        (
            _row(
                r"I_i = (n - 1) \frac{z_i \sum_{j} w_{ij} z_j}{\sum_{k} z_k^2}",
                r"z_i = \frac{x_i - \bar{x}}{\sigma_x}",
            ),
            _row(
                r"p^{\text{BH}}_{(k)} = \min_{m \ge k} \min\left(1, \frac{n \, p_{(m)}}{m}\right)",
                r"p_{(1)} \le \dots \le p_{(n)}",
            ),
        ),
        ("anselin1995", "bh1995"),
    ),
    Statistic(
        "wilson",
        (
            _row(
                r"\tilde{p} = \frac{\hat{p} + \frac{z^2}{2n}}{1 + \frac{z^2}{n}}",
                r"h = \frac{z}{1 + \frac{z^2}{n}} \sqrt{\frac{\hat{p}(1 - \hat{p})}{n} + \frac{z^2}{4n^2}}",
            ),
            _row(r"(\tilde{p} - h, \; \tilde{p} + h)", r"z = \Phi^{-1}(0.975) \approx 1.96"),
        ),
        ("wilson1927", "brown2001"),
    ),
    Statistic(
        "suppression",
        (
            _row(r"\text{primary: } n_c < k", "k = 10"),
            r"\text{secondary: } \left|\{c \in g : n_c < k\}\right| = 1 \;\Rightarrow\; "
            r"\text{suppress } \arg\min_{c \in g,\ n_c \ge k} n_c",
        ),
        ("hundepool2012",),
    ),
    Statistic(
        "welch",
        (
            r"t = \frac{\bar{x}_a - \bar{x}_b}{\sqrt{\frac{s_a^2}{n_a} + \frac{s_b^2}{n_b}}}",
            r"\nu = \frac{\left(\frac{s_a^2}{n_a} + \frac{s_b^2}{n_b}\right)^2}"
            r"{\frac{(s_a^2 / n_a)^2}{n_a - 1} + \frac{(s_b^2 / n_b)^2}{n_b - 1}}",
        ),
        ("welch1947", "satterthwaite1946"),
    ),
    Statistic(
        "spread",
        (
            _row(r"\max_i p_i - \min_i p_i", r"P_{90} - P_{10}", r"\mathrm{IQR} = Q_3 - Q_1"),
            _row(
                r"Q(p) = x_{(\lfloor h \rfloor)} + (h - \lfloor h \rfloor)"
                r"\left(x_{(\lfloor h \rfloor + 1)} - x_{(\lfloor h \rfloor)}\right)",
                r"h = (n - 1)p + 1",
            ),
        ),
        ("hyndman1996",),
    ),
    Statistic(
        "composite",
        (
            _row(
                r"x^{\text{minmax}}_{id} = 100 \, \frac{x_{id} - \min_i x_{id}}{\max_i x_{id} - \min_i x_{id}}",
                r"x^{z}_{id} = \frac{x_{id} - \bar{x}_d}{\sigma_d}",
            ),
            _row(
                r"C_i = \sum_{d} w_d \, x_{id}",
                r"\sum_d w_d = 1",
                r"\tilde{w} \sim \mathrm{Dirichlet}(\kappa w)",
                r"\kappa = 50",
            ),
        ),
        ("oecd2008",),
    ),
    Statistic(
        "correlation",
        (
            r"r = \frac{\sum_i (x_i - \bar{x})(y_i - \bar{y})}"
            r"{\sqrt{\sum_i (x_i - \bar{x})^2 \sum_i (y_i - \bar{y})^2}}",
            _row(r"r_i = \frac{e_i}{s \sqrt{1 - h_{ii}}}", r"\lvert r_i \rvert > 2 \;\Rightarrow\; \text{outlier}"),
        ),
        ("pearson1895",),
    ),
    Statistic(
        "tiers",
        (
            _row(r"\text{tier}_i = 1 + \left|\{k : x_i < e_k\}\right|", r"e_1 > e_2 > e_3 > e_4"),
            _row(r"e_k = Q\!\left(\frac{5 - k}{5}\right)", r"\text{rank}_i = 1 + \left|\{j : x_j > x_i\}\right|"),
        ),
        ("hyndman1996",),
    ),
    Statistic(
        "freshness",
        (
            _row(r"a_d = t_{\text{ref}} - t_{\text{updated}, d}", r"\text{on schedule} \iff a_d \le P_{f(d)}"),
            _row(
                r"s = \frac{n_{\text{on schedule}}}{n_{\text{on schedule}} + n_{\text{overdue}}}",
                r"\text{overdue}_d = a_d - P_{f(d)}",
            ),
        ),
        ("w3c2017",),
    ),
    Statistic(
        "hhi",
        (
            _row(
                r"s_i = \frac{c_i}{\sum_j c_j}", r"\mathrm{HHI} = \sum_i s_i^2", r"\frac{1}{n} \le \mathrm{HHI} \le 1"
            ),
            r"\text{island: } \sum_{j \ne i} c_{ij} = 0 \;\wedge\; \sum_{j \ne i} c_{ji} = 0",
        ),
        ("hirschman1964", "dojftc2010"),
    ),
    Statistic(
        "cost_outliers",
        (
            r"\text{cost}_p = \frac{10\,000 \times \text{investment}_p\ (\text{10k yuan})}{\text{transactions}_p}",
            _row(
                r"\text{cost}_p > Q_3 + 1.5\,\mathrm{IQR}",
                r"\text{cost}_p < Q_1 - 1.5\,\mathrm{IQR}",
                r"\mathrm{IQR} = Q_3 - Q_1",
            ),
        ),
        ("tukey1977", "hyndman1996"),
    ),
)
DATA_ENTRIES: tuple[str, ...] = ("sample_data", "map")

# Which entries each chart's caption links to: page -> chart name (the ``name`` the view gives chart_with_table /
# china_map, without a level or region suffix) -> entry ids. An indicator chosen on the page links to its own id.
CHART_ENTRIES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "overview": {
        "map": ("dgi_index", "map"),
        "macro_regions": ("dgi_index",),
        "findings": ("welch",),
    },
    "regional": {
        "map": ("dgi_index", "map"),
        "ranking": ("dgi_index",),
        "macro_regions": ("dgi_index",),
        "inequality": ("gini", "theil", "cv"),
        "theil": ("theil",),
        "dagum": ("dagum",),
        "trend": ("dgi_index",),
        "sigma": ("sigma",),
        "beta": ("beta",),
        "lisa": ("lisa", "moran"),
        "profile": ("dgi_organisation", "dgi_institutions", "dgi_capacity", "dgi_effect"),
        "reweighting": ("composite",),
        "findings": ("welch", "beta", "moran"),
        "tiers": ("tiers", "dgi_index"),
    },
    "channels": {
        "map": ("offline_pref_share", "wilson", "suppression", "map"),
        "distribution": ("spread", "wilson"),
        "channel_mix": ("channel_web_share", "channel_mobile_share", "channel_terminal_share", "channel_counter_share"),
        "entity_types": ("offline_pref_share", "wilson", "suppression"),
        "service_categories": ("offline_pref_share", "wilson", "suppression"),
        "trend": ("offline_pref_share",),
        "relation_to_index": ("correlation",),
        "findings": ("spread", "wilson"),
    },
    "demand": {
        "map": ("usage_shortfall", "suppression", "map"),
        "drill_map": ("usage_shortfall", "suppression", "map"),
        "funnel": ("potential_usage_rate", "awareness_rate", "actual_usage_rate"),
        "reasons": ("usage_shortfall", "suppression"),
        "potential_actual": ("potential_usage_rate", "actual_usage_rate"),
        "gap_split": ("usage_shortfall",),
        "priorities": ("usage_shortfall",),
    },
    # views/data_sharing.py: each section has its own data source and so its own page name (PAGE_SECTIONS).
    "data_sharing": {
        "map_province": ("freshness", "map"),
        "map_prefecture": ("freshness", "map"),
        "status_by_frequency": ("freshness",),
        "ranking": ("freshness",),
        "trend": ("open_data_on_time_share",),
        "matrix": ("hhi",),
        "connected_map": ("hhi", "map"),
        "connected_ranking": ("hhi",),
        "investment_use": ("cost_outliers",),
        "cost_per_transaction": ("cost_outliers", "spread"),
    },
}
# Pages whose sections pass their own page name to the components (one data source each): their charts link
# to the entries of the page they belong to.
PAGE_SECTIONS: Mapping[str, str] = {
    "data_sharing_trend": "data_sharing",
    "data_sharing_calls": "data_sharing",
    "data_sharing_platforms": "data_sharing",
}


@dataclass(frozen=True)
class Field:
    """One labelled fact of an indicator entry (definition, unit, polarity, ...); ``line`` is its markdown."""

    key: str
    label: str
    text: str
    line: str


@dataclass(frozen=True)
class Entry:
    """One entry of the page: paragraphs (markdown), formulas (LaTeX), labelled fields, references."""

    id: str
    anchor: str
    title: str
    paragraphs: tuple[str, ...]
    formulas: tuple[str, ...]
    fields: tuple[Field, ...]
    references: tuple[str, ...]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def lead_fields(self) -> tuple[Field, ...]:
        """Shown before the formulas (the definition); ``detail_fields`` after them."""
        return tuple(f for f in self.fields if f.key in LEAD_FIELDS)

    @property
    def detail_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.key not in LEAD_FIELDS)


@dataclass(frozen=True)
class Section:
    id: str
    anchor: str
    title: str
    intro: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class MethodsView:
    lang: str
    title: str
    intro: str
    toc_label: str
    toc: str  # markdown: one line per section with links to its entries
    formula_label: str  # shown above the formulas
    references_label: str
    sections: tuple[Section, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for s in self.sections for e in s.entries)

    def entry(self, entry_id: str) -> Entry:
        return next(e for e in self.entries if e.id == entry_id)


def anchor(entry_id: str) -> str:
    """The heading anchor of an entry or section: its id with hyphens (URL fragments read better so)."""
    return entry_id.replace("_", "-")


def _paragraphs(prefix: str, lang: str, **values: object) -> tuple[str, ...]:
    """The texts of prefix.p1, prefix.p2, ... in order, up to the first missing number."""
    keys = catalog()
    out = []
    n = 1
    while f"{prefix}.p{n}" in keys:
        out.append(t(f"{prefix}.p{n}", lang, **values) if values else t(f"{prefix}.p{n}", lang))
        n += 1
    return tuple(out)


def _field(key: str, text: str, lang: str) -> Field:
    label = t(f"methods.field.{key}", lang)
    return Field(key, label, text, f"**{label}**{t('methods.field_separator', lang)}{text}")


def indicator_entry(indicator: Indicator, lang: str) -> Entry:
    if indicator.column:
        data = t("methods.data_column", lang, dataset=indicator.dataset, column=indicator.column)
    else:
        data = t("methods.data_derived", lang, dataset=indicator.dataset)
    definition = _field("definition", indicator.definition(lang), lang)
    fields = (
        definition,
        _field("unit", t(f"methods.unit.{indicator.unit}", lang), lang),
        _field("polarity", t(f"methods.polarity.{indicator.polarity}", lang), lang),
        _field("domain", t(f"methods.domain.{indicator.domain}", lang), lang),
        _field("data", data, lang),
        _field("source", t(f"methods.source.{indicator.source}", lang), lang),
        _field("caveats", indicator.caveats(lang), lang),
    )
    return Entry(
        id=indicator.id,
        anchor=anchor(indicator.id),
        title=indicator.name(lang),
        paragraphs=(),
        formulas=(indicator.formula_latex,) if indicator.formula_latex else (),
        fields=fields,
        references=(),
    )


def statistic_entry(stat: Statistic, lang: str) -> Entry:
    return Entry(
        id=stat.id,
        anchor=anchor(stat.id),
        title=t(f"methods.stat.{stat.id}.title", lang),
        paragraphs=_paragraphs(f"methods.stat.{stat.id}", lang),
        formulas=stat.formulas,
        fields=(),
        references=tuple(t(f"methods.ref.{key}", lang) for key in stat.references),
    )


def data_entry(entry_id: str, lang: str) -> Entry:
    # The map entry quotes the notes every map carries, from the same catalog keys the maps use.
    values = {"note": t("map.note", lang), "corps": t("map.corps_note", lang)} if entry_id == "map" else {}
    return Entry(
        id=entry_id,
        anchor=anchor(entry_id),
        title=t(f"methods.data.{entry_id}.title", lang),
        paragraphs=_paragraphs(f"methods.data.{entry_id}", lang, **values),
        formulas=(),
        fields=(),
        references=(),
    )


def _section(section_id: str, entries: tuple[Entry, ...], lang: str) -> Section:
    return Section(
        id=section_id,
        anchor=anchor(section_id),
        title=t(f"methods.section.{section_id}.title", lang),
        intro=t(f"methods.section.{section_id}.intro", lang),
        entries=entries,
    )


def _link_text(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def _toc(sections: tuple[Section, ...], lang: str) -> str:
    lines = []
    for section in sections:
        links = " · ".join(f"[{_link_text(e.title)}](#{e.anchor})" for e in section.entries)
        head = f"**[{_link_text(section.title)}](#{section.anchor})**"
        lines.append("- " + t("methods.toc_line", lang, section=head, entries=links))
    return "\n".join(lines)


@cache
def methods_view(lang: str) -> MethodsView:
    """The whole page in one language (cached: it depends on nothing but the catalogs)."""
    lang = normalise_language(lang)
    sections = (
        _section("indicators", tuple(indicator_entry(i, lang) for i in load_catalog().values()), lang),
        _section("statistics", tuple(statistic_entry(s, lang) for s in STATISTICS), lang),
        _section("data", tuple(data_entry(d, lang) for d in DATA_ENTRIES), lang),
    )
    return MethodsView(
        lang=lang,
        title=t("methods.title", lang),
        intro=t("methods.intro", lang),
        toc_label=t("methods.toc", lang),
        toc=_toc(sections, lang),
        formula_label=t("methods.field.formula", lang),
        references_label=t("methods.references", lang),
        sections=sections,
    )


def entry_ids() -> tuple[str, ...]:
    """Every entry id the page has, in page order."""
    return tuple(e.id for e in methods_view(DEFAULT_LANGUAGE).entries)


def method_url(entry_id: str, lang: str) -> str:
    """Relative URL of an entry on the methods page: ``methods#gini``, ``methods?lang=en#gini``.

    Relative, so it works under any server base path (a page's URL is <base>/<url_path>). KeyError for an id
    the page does not have, so a typo in a caller fails its tests instead of linking nowhere."""
    if entry_id not in entry_ids():
        raise KeyError(f"no methods entry {entry_id!r}")
    lang = normalise_language(lang)
    query = "" if lang == DEFAULT_LANGUAGE else f"?lang={lang}"
    return f"{URL_PATH}{query}#{anchor(entry_id)}"


def method_link(entry_id: str, lang: str) -> str:
    """Markdown link to the entry on the methods page, e.g. ``[方法与公式：基尼系数](methods#gini)``."""
    url = method_url(entry_id, lang)
    title = methods_view(normalise_language(lang)).entry(entry_id).title
    return f"[{_link_text(t('methods.link', lang, title=title))}]({url})"


def method_links(entry_ids_: tuple[str, ...] | list[str], lang: str) -> str:
    """Several links on one line (for a caption): ``[…](methods#a) · […](methods#b)``."""
    return " · ".join(method_link(e, lang) for e in entry_ids_)


def chart_links(page: str, chart: str, lang: str) -> str:
    """The links of CHART_ENTRIES[page][chart] on one line (KeyError for a chart not in the table)."""
    return method_links(CHART_ENTRIES[page][chart], lang)


def chart_method_links(page: str, chart: str, lang: str) -> str | None:
    """chart_links for a chart the table names, None for the others (a chart without a methods entry). A page
    section (PAGE_SECTIONS) looks up its page's charts."""
    page = PAGE_SECTIONS.get(page, page)
    return chart_links(page, chart, lang) if chart in CHART_ENTRIES.get(page, {}) else None
