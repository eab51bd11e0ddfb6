"""Charts of themes (Altair), each with the table it shows (for screen readers and downloads).

The chart functions take the tables of ``analisi.confronti`` (or of ``ModelloTemi.riepilogo``) and return
an ``alt.Chart``; the ``tabella_*`` companions return the same numbers as a DataFrame. Suppressed cells
(fewer than 5 stories) are drawn grey with the text "n < 5", never as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from analisi.etichette import etichetta_periodo, mese_it
from archivio.politiche import SOGLIA_CELLE

__all__ = [
    "grafico_diffusione",
    "grafico_parole_distintive",
    "grafico_prevalenza",
    "grafico_temi_associazioni",
    "grafico_temi_nel_tempo",
    "tabella_diffusione",
    "tabella_parole_distintive",
    "tabella_prevalenza",
    "tabella_temi_associazioni",
    "tabella_temi_nel_tempo",
]

SOPPRESSO = f"n < {SOGLIA_CELLE}"
QUOTA_MASSIMA_TRASVERSALE = 0.4  # a cross-cutting theme should draw at most 40 % of its weight from one association


def tabella_prevalenza(temi: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Themes by prevalence: ``tema, etichetta, prevalenza (%), termini`` (from ``riepilogo()["temi"]``)."""
    righe = [{"tema": t["tema"], "etichetta": t["etichetta"], "prevalenza (%)": round(100 * t["prevalenza"], 1),
              "termini": ", ".join(x[0] if isinstance(x, list | tuple) else str(x) for x in t["termini"][:8])}
             for t in temi]
    return pd.DataFrame(righe, columns=["tema", "etichetta", "prevalenza (%)", "termini"]).sort_values(
        "prevalenza (%)", ascending=False, kind="stable").reset_index(drop=True)


def grafico_prevalenza(temi: Sequence[Mapping[str, Any]]) -> alt.Chart:
    """Horizontal bars: share of the stories' content in each theme."""
    df = tabella_prevalenza(temi)
    return alt.Chart(df, title="Quanto pesa ogni tema nei racconti").mark_bar().encode(
        x=alt.X("prevalenza (%):Q", title="prevalenza (%)"),
        y=alt.Y("etichetta:N", sort="-x", title=None),
        tooltip=["etichetta", "prevalenza (%)", "termini"],
    )


def _periodo_leggibile(periodo: Any) -> str:
    """"mar 2020" for a month key "2020-03", the phase's name for a phase key."""
    testo = str(periodo)
    if re.fullmatch(r"\d{4}-\d{2}", testo):
        return mese_it(testo)
    return etichetta_periodo(periodo)


def _con_testo(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if "periodo" in df.columns:
        df["periodo"] = df["periodo"].map(_periodo_leggibile)
    df["prevalenza (%)"] = (100 * df["prevalenza"]).round(1)
    df["intervallo 95% (%)"] = [
        SOPPRESSO if s else f"{100 * a:.1f}–{100 * b:.1f}".replace(".", ",")
        for s, a, b in zip(df["soppresso"], df["inf"], df["sup"], strict=True)]
    df["testo"] = [SOPPRESSO if s else f"{p:.0f}" for s, p in zip(df["soppresso"], df["prevalenza (%)"], strict=True)]
    return df


def _n_testo(n: pd.Series, soppresso: pd.Series) -> pd.Series:
    """Counts as text, "n < 5" where suppressed: one type per column (Arrow refuses a mix of int and str)."""
    return pd.Series([SOPPRESSO if s or pd.isna(v) else str(int(v)) for v, s in zip(n, soppresso, strict=True)],
                     index=n.index, dtype="object")


def _ordine_temi(temi: pd.Series) -> list[str]:
    """Themes in their own order (1, 2, ..., 10), not as text (1, 10, 11, 2): by the leading number."""
    def chiave(t: str) -> tuple[int, str]:
        numero = re.match(r"\s*(\d+)", t)
        return (int(numero.group(1)) if numero else 10**9, t)

    return sorted({str(t) for t in temi}, key=chiave)


def tabella_temi_associazioni(prevalenze: pd.DataFrame) -> pd.DataFrame:
    """Associations × themes: "prevalence % (interval)" per cell, "n < 5" where suppressed."""
    df = _con_testo(prevalenze)
    df["cella"] = [SOPPRESSO if s else f"{p:.1f} ({i})".replace(".", ",") for s, p, i in
                   zip(df["soppresso"], df["prevalenza (%)"], df["intervallo 95% (%)"], strict=True)]
    tabella = df.pivot(index="gruppo", columns="tema", values="cella")
    tabella.columns = [str(c) for c in tabella.columns]
    tabella = tabella[_ordine_temi(pd.Series(tabella.columns))]
    return tabella.reset_index().rename(columns={"gruppo": "associazione"})


def grafico_temi_associazioni(prevalenze: pd.DataFrame) -> alt.Chart:
    """Heatmap associations × themes; tooltip with the 95 % interval and n; suppressed cells grey."""
    df = _con_testo(prevalenze)
    df["tema"] = df["tema"].astype(str)
    df["n"] = _n_testo(df["n"], df["soppresso"])
    # one row per theme, its whole label written horizontally (not cut, not thinned out); associations,
    # fewer, are the columns
    base = alt.Chart(df, title="Temi per associazione (% del contenuto dei racconti)").encode(
        y=alt.Y("tema:N", title=None, sort=_ordine_temi(df["tema"]),
                axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        x=alt.X("gruppo:N", title=None, axis=alt.Axis(labelAngle=-30, labelLimit=0, labelOverlap=False)),
        tooltip=[alt.Tooltip("gruppo:N", title="associazione"), "tema:N", "prevalenza (%):Q",
                 "intervallo 95% (%):N", alt.Tooltip("n:N", title="racconti")],
    )
    celle = base.mark_rect().encode(
        color=alt.condition("datum.soppresso", alt.value("#d9d9d9"),
                            alt.Color("prevalenza (%):Q", scale=alt.Scale(scheme="blues"), title="%")))
    testo = base.mark_text(fontSize=10).encode(
        text="testo:N", color=alt.condition("datum['prevalenza (%)'] > 40", alt.value("white"), alt.value("black")))
    return alt.layer(celle, testo).properties(height=alt.Step(24))  # type: ignore[return-value]


def tabella_temi_nel_tempo(nel_tempo: pd.DataFrame) -> pd.DataFrame:
    """Periods × themes with intervals (from ``confronti.temi_nel_tempo``)."""
    df = _con_testo(nel_tempo)
    return df[["periodo", "tema", "n", "prevalenza (%)", "intervallo 95% (%)"]].assign(
        n=lambda d: _n_testo(d["n"], d["n"].isna()))


def grafico_temi_nel_tempo(nel_tempo: pd.DataFrame, temi: Sequence[Any] | None = None) -> alt.Chart:
    """Lines with 95 % bands per theme over months or phases; suppressed periods are gaps."""
    df = _con_testo(nel_tempo)
    df["tema"] = df["tema"].astype(str)
    if temi is not None:
        df = df[df["tema"].isin([str(t) for t in temi])]
    ordine = list(dict.fromkeys(df["periodo"]))
    base = alt.Chart(df, title="Temi nel tempo").encode(
        x=alt.X("periodo:N", sort=ordine, title=None), color=alt.Color("tema:N", title="tema"))
    banda = base.mark_area(opacity=0.15).encode(y=alt.Y("inf:Q", axis=alt.Axis(format="%"), title="prevalenza"),
                                                 y2="sup:Q")
    linea = base.mark_line(point=True).encode(
        y=alt.Y("prevalenza:Q", axis=alt.Axis(format="%")),
        tooltip=["periodo:N", "tema:N", "prevalenza (%):Q", "intervallo 95% (%):N", "n:Q"])
    return alt.layer(banda, linea)  # type: ignore[return-value]


def tabella_parole_distintive(distintive: pd.DataFrame) -> pd.DataFrame:
    """Distinctive words per association with log-odds and z-score; "n < 5" for suppressed associations."""
    df = distintive.copy()
    df["parola"] = [SOPPRESSO if s else str(p).replace("_", " ") for s, p in
                    zip(df["soppresso"], df["parola"], strict=True)]
    return df.rename(columns={"gruppo": "associazione", "delta": "log-odds", "z": "z"})[
        ["associazione", "parola", "log-odds", "z", "conteggio"]].round({"log-odds": 2, "z": 2})


def grafico_parole_distintive(distintive: pd.DataFrame, colonne: int = 3) -> alt.Chart:
    """Bars of z-scores of each association's distinctive words, one small panel per association."""
    df = distintive[~distintive["soppresso"]].copy()
    df["parola"] = df["parola"].str.replace("_", " ")
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("z:Q", title="z (log-odds, prior informativo)"),
        y=alt.Y("parola:N", sort="-x", title=None),
        tooltip=["gruppo:N", "parola:N", alt.Tooltip("delta:Q", format=".2f"), alt.Tooltip("z:Q", format=".2f"),
                 "conteggio:Q"],
    ).properties(width=180, height=160).facet(
        facet=alt.Facet("gruppo:N", title=None), columns=colonne).resolve_scale(y="independent")


def tabella_diffusione(etichette: Sequence[str], diffusione: Sequence[Mapping[str, Any] | None]) -> pd.DataFrame:
    """Per theme, how its weight spreads over associations (from ``misure.diffusione_temi``)."""
    righe = []
    for etichetta, d in zip(etichette, diffusione, strict=True):
        quota = (d or {}).get("quota_principale")
        entropia = (d or {}).get("entropia_normalizzata")
        righe.append({"tema": etichetta, "associazione principale": (d or {}).get("associazione_principale") or "—",
                      "quota dell'associazione principale (%)": None if quota is None else round(100 * quota, 1),
                      "entropia normalizzata (0-1)": None if entropia is None else round(entropia, 2)})
    return pd.DataFrame(righe, columns=["tema", "associazione principale", "quota dell'associazione principale (%)",
                                        "entropia normalizzata (0-1)"])


def grafico_diffusione(etichette: Sequence[str], diffusione: Sequence[Mapping[str, Any] | None]) -> alt.Chart:
    """Bars: each theme's top-association share, with the 40 % line of a cross-cutting theme."""
    tabella = tabella_diffusione(etichette, diffusione).dropna(subset=["quota dell'associazione principale (%)"])
    # Plain field names for Vega: an apostrophe in a field name breaks the chart's expressions (no chart drawn).
    df = tabella.rename(columns={"quota dell'associazione principale (%)": "quota",
                                 "associazione principale": "associazione", "entropia normalizzata (0-1)": "entropia"})
    barre = alt.Chart(df, title="Quanto ogni tema dipende da una sola associazione").mark_bar().encode(
        x=alt.X("quota:Q", scale=alt.Scale(domain=[0, 100]), title="quota dell'associazione principale (%)"),
        y=alt.Y("tema:N", sort=_ordine_temi(df["tema"]) if len(df) else None, title=None),
        tooltip=[alt.Tooltip("tema:N"), alt.Tooltip("associazione:N", title="associazione principale"),
                 alt.Tooltip("quota:Q", title="quota dell'associazione principale (%)"),
                 alt.Tooltip("entropia:Q", title="entropia normalizzata (0-1)")])
    soglia = alt.Chart(pd.DataFrame({"x": [100 * QUOTA_MASSIMA_TRASVERSALE]})).mark_rule(
        strokeDash=[4, 4], color="#D55E00").encode(x="x:Q")
    return alt.layer(barre, soglia)  # type: ignore[return-value]
