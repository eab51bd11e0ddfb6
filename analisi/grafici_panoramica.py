"""Charts of the overview and of the dashboard's crosstabs: plain functions returning a :class:`Figura`.

A figure is an Altair chart plus the same numbers as a table (the accessible alternative every chart must
have) and a one-line Italian description for screen readers. Pages only display figures; nothing here
knows about Streamlit or the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from analisi.etichette import (
    ETICHETTA_MESE_VEGA,
    STATI,
    etichetta_codice,
    etichetta_stadio,
    etichetta_stato,
    mese_it,
)
from archivio.politiche import SOGLIA_CELLE

#: Below this many stories a cell's share is not shown (quasi-identification risk, noisy estimates).

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLORI_CODICI = {
    "vita_quotidiana": "#56B4E9",
    "ansia": "#E69F00",
    "preoccupazione_futuro": "#CC79A7",
    "proposta": "#009E73",
}
ETICHETTE_STATI = STATI


@dataclass(frozen=True)
class Figura:
    """A chart, its table alternative and a description (for ``alt`` text and captions)."""

    grafico: alt.Chart | alt.LayerChart
    tabella: pd.DataFrame
    descrizione: str


def _vuota(descrizione: str) -> Figura:
    tabella = pd.DataFrame()
    grafico = alt.Chart(pd.DataFrame({"x": []})).mark_text().properties(height=40)
    return Figura(grafico, tabella, descrizione)


def racconti_nel_tempo(date_racconti: Iterable[date | None]) -> Figura:
    """Stories per month of the story's date (months without stories shown as zero)."""
    serie = pd.Series([d for d in date_racconti if d is not None], dtype="object")
    if serie.empty:
        return _vuota("Nessun racconto con una data.")
    mesi = pd.to_datetime(serie).dt.to_period("M").dt.start_time
    conteggi = mesi.value_counts().sort_index()
    indice = pd.date_range(conteggi.index.min(), conteggi.index.max(), freq="MS")
    conteggi = conteggi.reindex(indice, fill_value=0)
    tabella = pd.DataFrame({"mese": [mese_it(d) for d in indice], "racconti": conteggi.to_numpy()})
    dati = pd.DataFrame({"inizio": indice, "racconti": conteggi.to_numpy(), "mese": tabella["mese"]})
    grafico = alt.Chart(dati).mark_bar(color="#0072B2").encode(
        x=alt.X("mese:O", title="Mese", sort=list(tabella["mese"]), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("racconti:Q", title="Racconti"),
        tooltip=[alt.Tooltip("mese:N", title="Mese"), alt.Tooltip("racconti:Q", title="Racconti")],
    ).properties(height=260)
    i = int(tabella["racconti"].idxmax())
    return Figura(grafico, tabella, f"Racconti per mese: {int(tabella['racconti'].sum())} in tutto, "
                  f"il massimo ({int(tabella.at[i, 'racconti'])}) a {mese_it(indice[i], lungo=True)}.")


def conteggio_per_categoria(valori: Iterable[str | None], *, titolo: str, mancante: str = "(non indicato)",
                            massimo: int = 30) -> Figura:
    """Horizontal bars: how many stories per category (association, age band, role...)."""
    serie = pd.Series([v if v else mancante for v in valori], dtype="object")
    if serie.empty:
        return _vuota(f"Nessun racconto per {titolo.lower()}.")
    conteggi = serie.value_counts()
    tabella = pd.DataFrame({titolo: conteggi.index.astype(str), "racconti": conteggi.to_numpy()})
    tabella["quota"] = (tabella["racconti"] / tabella["racconti"].sum()).round(3)
    # plain field names in the chart: a label such as "Fascia d'età" would break Vega's expressions
    dati = tabella.head(massimo).rename(columns={titolo: "categoria"})
    grafico = alt.Chart(dati).mark_bar(color="#0072B2").encode(
        y=alt.Y("categoria:N", sort="-x", title=titolo, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        x=alt.X("racconti:Q", title="Racconti"),
        tooltip=[alt.Tooltip("categoria:N", title=titolo), alt.Tooltip("racconti:Q", title="Racconti"),
                 alt.Tooltip("quota:Q", title="Quota", format=".1%")],
    ).properties(height=alt.Step(24))
    primo = tabella.iloc[0]
    return Figura(grafico, tabella, f"Racconti per {titolo.lower()}: {len(tabella)} valori; "
                  f"il più frequente è «{primo[titolo]}» con {int(primo['racconti'])} racconti.")


def quote_codici(righe: Sequence[Mapping[str, Any]]) -> Figura:
    """Share of sentences carrying each first-level code (rows from ``archivio.cruscotto.aggregati.quote_codici``)."""
    dati = pd.DataFrame([r for r in righe if "." not in str(r["codice"])])
    if dati.empty:
        return _vuota("Nessuna frase codificata.")
    dati["etichetta"] = dati["codice"].map(etichetta_codice)
    grafico = alt.Chart(dati).mark_bar().encode(
        y=alt.Y("etichetta:N", sort="-x", title="Codice", axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        x=alt.X("quota_frasi:Q", title="Quota delle frasi", axis=alt.Axis(format="%")),
        color=alt.Color("codice:N", legend=None,
                        scale=alt.Scale(domain=list(COLORI_CODICI), range=list(COLORI_CODICI.values()))),
        tooltip=[alt.Tooltip("etichetta:N", title="Codice"), alt.Tooltip("frasi:Q", title="Frasi"),
                 alt.Tooltip("racconti:Q", title="Racconti"),
                 alt.Tooltip("quota_frasi:Q", title="Quota delle frasi", format=".1%")],
    ).properties(height=alt.Step(30))
    tabella = dati[["etichetta", "frasi", "racconti", "quota_frasi"]].rename(
        columns={"etichetta": "codice", "quota_frasi": "quota delle frasi"})
    tabella["quota delle frasi"] = tabella["quota delle frasi"].round(3)
    descr = "; ".join(f"{r.etichetta}: {r.quota_frasi:.0%} delle frasi" for r in dati.itertuples())
    return Figura(grafico, tabella, f"Quote di frasi per codice — {descr}.")


def stato_elaborazione(righe: Sequence[Mapping[str, Any]]) -> Figura:
    """Stories per pipeline stage and status (rows from ``archivio.cruscotto.aggregati.stato_elaborazione``)."""
    dati = pd.DataFrame(list(righe))
    if dati.empty:
        return _vuota("Nessuna elaborazione registrata.")
    dati["stato"] = dati["stato"].map(etichetta_stato)
    dati["stadio"] = dati["stadio"].map(etichetta_stadio)
    grafico = alt.Chart(dati).mark_bar().encode(
        y=alt.Y("stadio:N", title="Fase"),
        x=alt.X("racconti:Q", title="Racconti", stack="zero"),
        color=alt.Color("stato:N", title="Stato",
                        scale=alt.Scale(domain=["fatto", "errore"], range=["#009E73", "#D55E00"])),
        tooltip=["stadio:N", "stato:N", alt.Tooltip("racconti:Q", title="Racconti")],
    ).properties(height=alt.Step(30))
    errori = int(dati.loc[dati["stato"] == "errore", "racconti"].sum())
    return Figura(grafico, dati[["stadio", "stato", "racconti"]],
                  f"Stato dell'elaborazione per fase; racconti in errore: {errori}.")


def sopprimi_celle(tabella: pd.DataFrame, *, colonna_n: str = "racconti", soglia: int = SOGLIA_CELLE,
                   colonne: Sequence[str] = ("quota",)) -> pd.DataFrame:
    """Blank the values of cells with fewer than ``soglia`` stories (keeps the count column's meaning)."""
    out = tabella.copy()
    piccole = out[colonna_n] < soglia
    for c in colonne:
        if c in out:
            out[c] = out[c].astype("object")
            out.loc[piccole, c] = None
    out["soppressa"] = piccole
    return out


def mappa_calore(dati: pd.DataFrame, *, x: str, y: str, valore: str, titolo_x: str, titolo_y: str,
                 titolo_valore: str, formato: str = ".0%", n: str | None = None,
                 inferiore: str | None = None, superiore: str | None = None,
                 soglia: int = SOGLIA_CELLE) -> Figura:
    """A heatmap (e.g. code × association share) with intervals in the tooltip and suppressed small cells.

    Cells whose ``n`` (stories behind the cell) is below ``soglia`` are drawn grey with "n<5" and no value.
    """
    if dati.empty:
        return _vuota("Nessun dato per la tabella incrociata.")
    d = dati.copy()
    if n is not None:
        d["soppressa"] = d[n] < soglia
        d.loc[d["soppressa"], valore] = None
        for c in (inferiore, superiore):
            if c:
                d[c] = d[c].astype("float")
                d.loc[d["soppressa"], c] = None
    else:
        d["soppressa"] = False
    d["testo"] = [f"n<{soglia}" if s else (format(v, formato) if pd.notna(v) else "")
                  for s, v in zip(d["soppressa"], d[valore], strict=True)]
    tooltip = [alt.Tooltip(f"{y}:N", title=titolo_y), alt.Tooltip(f"{x}:N", title=titolo_x),
               alt.Tooltip(f"{valore}:Q", title=titolo_valore, format=formato)]
    if inferiore and superiore:
        tooltip += [alt.Tooltip(f"{inferiore}:Q", title="IC 95% inferiore", format=formato),
                    alt.Tooltip(f"{superiore}:Q", title="IC 95% superiore", format=formato)]
    if n is not None:
        tooltip.append(alt.Tooltip(f"{n}:Q", title="Racconti"))
    base = alt.Chart(d).encode(
        x=alt.X(f"{x}:N", title=titolo_x, axis=alt.Axis(labelAngle=-35, labelLimit=0, labelOverlap=False)),
        y=alt.Y(f"{y}:N", title=titolo_y, axis=alt.Axis(labelLimit=0, labelOverlap=False)))
    celle = base.mark_rect(stroke="white").encode(
        color=alt.condition("datum.soppressa", alt.value("#DDDDDD"),
                            alt.Color(f"{valore}:Q", title=titolo_valore, scale=alt.Scale(scheme="blues"),
                                      legend=alt.Legend(format=formato))),
        tooltip=tooltip)
    testi = base.mark_text(fontSize=11).encode(
        text="testo:N",
        color=alt.condition(f"datum.{valore} > 0.5", alt.value("white"), alt.value("#222222")))
    grafico = (celle + testi).properties(height=alt.Step(30))
    colonne = [y, x, valore] + [c for c in (inferiore, superiore, n) if c] + ["soppressa"]
    tabella = d[colonne].rename(columns={x: titolo_x, y: titolo_y, valore: titolo_valore})
    soppresse = int(d["soppressa"].sum())
    return Figura(grafico, tabella, f"Tabella incrociata {titolo_y} × {titolo_x}: {len(d)} celle, "
                  f"{soppresse} nascoste perché con meno di {soglia} racconti.")


def barre_per_gruppo(dati: pd.DataFrame, *, categoria: str, valore: str, gruppo: str, titolo_categoria: str,
                     titolo_valore: str, titolo_gruppo: str) -> Figura:
    """Stacked horizontal bars (e.g. coded sentences per code, split by association)."""
    if dati.empty:
        return _vuota("Nessun dato.")
    grafico = alt.Chart(dati).mark_bar().encode(
        y=alt.Y(f"{categoria}:N", title=titolo_categoria, sort="-x", axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        x=alt.X(f"sum({valore}):Q", title=titolo_valore),
        color=alt.Color(f"{gruppo}:N", title=titolo_gruppo, scale=alt.Scale(scheme="tableau20")),
        tooltip=[alt.Tooltip(f"{categoria}:N", title=titolo_categoria),
                 alt.Tooltip(f"{gruppo}:N", title=titolo_gruppo),
                 alt.Tooltip(f"{valore}:Q", title=titolo_valore)],
    ).properties(height=alt.Step(26))
    tabella = dati.pivot_table(index=categoria, columns=gruppo, values=valore, aggfunc="sum", fill_value=0)
    tabella = tabella.reset_index().rename(columns={categoria: titolo_categoria})
    return Figura(grafico, tabella, f"{titolo_valore} per {titolo_categoria.lower()} e "
                  f"{titolo_gruppo.lower()}: {int(dati[valore].sum())} in tutto.")


def linee_nel_tempo(dati: pd.DataFrame, *, tempo: str, valore: str, serie: str, titolo_valore: str,
                    titolo_serie: str, formato: str = "d") -> Figura:
    """One line per series over months (e.g. coded sentences per code over time)."""
    if dati.empty:
        return _vuota("Nessun dato nel tempo.")
    dati = dati.assign(mese_it=[mese_it(v) for v in dati[tempo]])
    grafico = alt.Chart(dati).mark_line(point=True).encode(
        x=alt.X(f"{tempo}:T", title="Mese", axis=alt.Axis(labelExpr=ETICHETTA_MESE_VEGA, tickCount="month")),
        y=alt.Y(f"{valore}:Q", title=titolo_valore),
        color=alt.Color(f"{serie}:N", title=titolo_serie),
        tooltip=[alt.Tooltip("mese_it:N", title="Mese"), alt.Tooltip(f"{serie}:N"),
                 alt.Tooltip(f"{valore}:Q", title=titolo_valore, format=formato)],
    ).properties(height=260)
    tabella = dati.pivot_table(index=tempo, columns=serie, values=valore, aggfunc="sum", fill_value=0)
    tabella.index = [mese_it(t) for t in tabella.index]
    tabella = tabella.reset_index(names="mese")
    return Figura(grafico, tabella, f"{titolo_valore} per mese e {titolo_serie.lower()}.")


# ------------------------------------------------------------------------ counts from per-story aggregates
def quote_codici_da(conteggi: pd.DataFrame, frasi_per_racconto: pd.Series,
                    ids: Iterable[int]) -> list[dict[str, Any]]:
    """Per code: sentences, stories and share of sentences among the stories ``ids``.

    ``conteggi`` has one row per (racconto_id, codice) with the number of ``frasi``; ``frasi_per_racconto``
    maps a story id to its number of sentences. The same numbers as ``aggregati.quote_codici``, in memory.
    """
    scelti = pd.Index(list(ids))
    totale = int(frasi_per_racconto[frasi_per_racconto.index.isin(scelti)].sum())
    sotto = conteggi[conteggi["racconto_id"].isin(scelti)]
    if sotto.empty:
        return []
    g = sotto.groupby("codice").agg(frasi=("frasi", "sum"), racconti=("racconto_id", "nunique")).reset_index()
    return [{"codice": r.codice, "frasi": int(r.frasi), "racconti": int(r.racconti),
             "quota_frasi": (int(r.frasi) / totale) if totale else 0.0} for r in g.itertuples()]


def presenze_per_gruppo(conteggi: pd.DataFrame, gruppi: pd.Series,
                        codici: Sequence[str]) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Stories per group, and stories per (group, code) having at least one sentence with the code.

    ``gruppi`` maps each chosen story id to its group (association, theme...): only those stories count.
    """
    gruppi = gruppi.dropna().astype(str)
    per_gruppo = {str(k): int(v) for k, v in gruppi.value_counts().items()}
    sotto = conteggi[conteggi["racconto_id"].isin(gruppi.index) & conteggi["codice"].isin(list(codici))]
    coppie = pd.DataFrame({"gruppo": gruppi.reindex(sotto["racconto_id"]).to_numpy(),
                           "codice": sotto["codice"].to_numpy()})
    presenze = {(str(g), str(c)): int(n) for (g, c), n in coppie.value_counts().items()}
    return per_gruppo, presenze


def intervallo_wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion (well-behaved with small n and shares near 0 or 1)."""
    if n == 0:
        return 0.0, 0.0
    p = k / n
    centro = (p + z * z / (2 * n)) / (1 + z * z / n)
    raggio = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return max(0.0, centro - raggio), min(1.0, centro + raggio)


def tabella_quote_gruppi(per_gruppo: Mapping[str, int], presenze: Mapping[tuple[str, str], int],
                         codici: Sequence[str]) -> pd.DataFrame:
    """Long table group × code: share of the group's stories with the code, its Wilson interval, n."""
    colonne = ["gruppo", "codice", "quota", "inf", "sup", "racconti", "con il codice"]
    righe = []
    for gruppo, n in sorted(per_gruppo.items()):
        for codice in codici:
            k = int(presenze.get((gruppo, codice), 0))
            inf, sup = intervallo_wilson(k, n)
            valori = (gruppo, etichetta_codice(codice), k / n if n else 0.0, inf, sup, n, k)
            righe.append(dict(zip(colonne, valori, strict=True)))
    return pd.DataFrame(righe, columns=colonne)
