"""Showing things safely: the page style, charts with their descriptions, tables, story-derived text made
inert (HTML and Markdown), a story as HTML with its coded sentences and search terms highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
import streamlit as st

from analisi.etichette import (
    etichetta_codice,
    numero_it,
    tabella_leggibile,
)
from analisi.grafici_panoramica import Figura
from analisi.ricerca import trova_occorrenze
from archivio.cruscotto.citazioni import FraseCodificata
from archivio.cruscotto.indice_testo import Termine, analizza_ricerca

# ------------------------------------------------------------------------------------------------ displays
# Streamlit's captions (grey at 60% opacity) and the selected segment's red on pink miss WCAG AA contrast
# (4.5:1; axe-core flags them): darker, opaque tones. An empty date field says "gg/mm/aaaa", not Streamlit's
# English "dd/mm/yyyy" (its calendar already follows the browser's Italian locale).
_STILE = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
[data-testid="stCaptionContainer"] p { color: #595959 !important; }
button[data-selected="true"] p { color: #8a1c28 !important; }
[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"] { font-size: 0 !important; }
[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"]::after { font-size: 0.875rem; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="day"]::after { content: "gg"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="month"]::after { content: "mm"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="year"]::after { content: "aaaa"; }
</style>"""


def mostra_grafico(grafico: Any, descrizione: str, *,
                   larghezza: Literal["stretch", "content"] = "stretch") -> None:
    """An Altair chart described by one text for screen readers (its marks are hidden from them: the
    table alternative carries the numbers)."""
    # Streamlit's chart theme cuts axis labels at 100 px and drops those that would overlap (a heatmap of
    # 30 themes showed every 4th): full labels, all of them, on every discrete axis.
    grafico = grafico.configure_mark(aria=False).configure_axisDiscrete(labelLimit=0, labelOverlap=False)
    st.altair_chart(grafico, width=larghezza, alt=descrizione)


def applica_stile() -> None:
    """The dashboard's few CSS corrections (accessibility), for the router to call once per run."""
    st.html(_STILE)



def mostra_figura(figura: Figura, *, chiave: str) -> None:
    """A chart with its description and, one click away, the same numbers as a table."""
    if figura.tabella.empty:
        st.info(md_sicuro(figura.descrizione))
        return
    mostra_grafico(figura.grafico, figura.descrizione)
    st.caption(md_sicuro(figura.descrizione))
    with st.expander("Tabella dei dati (alternativa accessibile al grafico)"):
        tabella = tabella_mostrabile(figura.tabella)
        if len(tabella) <= 200:
            # a real HTML table: read by screen readers (the data grid is a canvas) and light to draw;
            # decimals written the Italian way (0,25), as nothing sorts this table
            for c in tabella.columns:
                if pd.api.types.is_float_dtype(tabella[c].dtype):
                    tabella[c] = tabella[c].map(numero_it)
            st.table(tabella_sicura(tabella.set_index(tabella.columns[0])))
        else:
            st.dataframe(tabella, hide_index=True, width="stretch", key=f"tab_{chiave}")


def tabella_mostrabile(df: pd.DataFrame) -> pd.DataFrame:
    """A table as shown on a page: no "None"/"nan", Italian dates, sì/no, one type per column (Arrow
    refuses a column mixing "n < 5" and counts). See :func:`analisi.etichette.tabella_leggibile`."""
    return tabella_leggibile(df)


def testo_sicuro(testo: str) -> str:
    """Escape a citizen's text for ``st.html``: markup in a story is shown, never interpreted."""
    return html.escape(testo, quote=True).replace("\n", "<br>")


# Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, and escaping all of
# them switches off every construct (images, links, autolinks such as www.x.it or a@b.it, emphasis, code,
# headings, tables, HTML, Streamlit's :color[...] directives and $LaTeX$).
_PUNTEGGIATURA_MD = re.compile(r"([!-/:-@\[-`{-~])")


def md_sicuro(testo: object) -> str:
    """Escape text that comes from stories (title, zone, association, sentences, theme words, filter values)
    for every Streamlit call that renders Markdown: ``st.markdown``, ``st.subheader``, ``st.caption``,
    ``st.write``, ``st.info``..., widget labels and ``st.table`` cells. The text shows as typed: an image
    ``![t](http://...)`` is not loaded, a link is not clickable. One line: line breaks become spaces.
    (For ``st.html`` use :func:`testo_sicuro`; ``st.dataframe`` cells and select options are plain text.)
    """
    return _PUNTEGGIATURA_MD.sub(r"\\\1", " ".join(str(testo).split()))


def tabella_sicura(df: pd.DataFrame) -> pd.DataFrame:
    """A table for ``st.table`` (whose cells, index and headers render Markdown) with every text escaped."""
    def testi(v: Any) -> Any:
        return md_sicuro(v) if isinstance(v, str) else v

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(testi)
    out.columns = [testi(c) for c in out.columns]
    out.index = out.index.map(testi)
    out.index.name = testi(df.index.name)
    return out


# ------------------------------------------------------------------------------------------ a story as HTML
COLORI_SFONDO = {"vita_quotidiana": "#D6EEFA", "ansia": "#FBE3B8", "preoccupazione_futuro": "#F3D9E8",
                 "proposta": "#CDEFE3"}


def _evidenzia_termini(pezzo: str, termini: Sequence[Termine]) -> str:
    occorrenze = trova_occorrenze(pezzo, termini)
    if not occorrenze:
        return testo_sicuro(pezzo)
    out, pos = [], 0
    for a, b in occorrenze:
        out.append(testo_sicuro(pezzo[pos:a]))
        out.append(f"<strong style='text-decoration:underline'>{testo_sicuro(pezzo[a:b])}</strong>")
        pos = b
    out.append(testo_sicuro(pezzo[pos:]))
    return "".join(out)


def html_racconto(testo: str, frasi: Sequence[FraseCodificata], *, ricerca: str = "",
                  solo_codici: Sequence[str] = ()) -> str:
    """The anonymised story with its coded sentences highlighted; every character of the story is escaped.

    Each coded sentence gets a background colour AND its codes written after it, so the coding is not
    conveyed by colour alone.
    """
    termini = [t for t in analizza_ricerca(ricerca) if not t.escluso] if ricerca else []
    pezzi, pos = [], 0
    for f in sorted(frasi, key=lambda f: f.inizio):
        codici = [c for c in f.codici if not solo_codici or c.split(".")[0] in solo_codici]
        if not codici or f.inizio < pos or f.fine > len(testo):
            continue
        pezzi.append(_evidenzia_termini(testo[pos:f.inizio], termini))
        colore = COLORI_SFONDO.get(codici[0].split(".")[0], "#EEEEEE")
        etichette = ", ".join(etichetta_codice(c) for c in codici)
        pezzi.append(f"<mark style='background:{colore};color:inherit;padding:0 2px' "
                     f"title='{html.escape(etichette, quote=True)}'>"
                     f"{_evidenzia_termini(testo[f.inizio:f.fine], termini)}</mark>"
                     f"<sup style='font-size:0.7em;color:#444'> [{html.escape(etichette)}]</sup>")
        pos = f.fine
    pezzi.append(_evidenzia_termini(testo[pos:], termini))
    return ("<div lang='it' style='line-height:1.7;font-size:1.02rem;white-space:normal'>"
            + "".join(pezzi) + "</div>")


def legenda_codici() -> str:
    voci = "".join(f"<span style='background:{c};padding:1px 6px;margin-right:8px'>"
                   f"{etichetta_codice(k)}</span>"
                   for k, c in COLORI_SFONDO.items())
    return f"<div style='font-size:0.85rem'>Legenda: {voci}</div>"
