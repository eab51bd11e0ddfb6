"""Charts of the coding (Altair) and the tables they show (accessibility: every chart has its table).

Inputs are the rows of ``archivio.codifica.frasi_codificate`` and ``archivio.codifica.proposte`` (lists of
dicts) or DataFrames with the same columns. Groups with fewer than ``minimo_racconti`` stories are
suppressed (too few to report, and a risk of re-identification).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt
import pandas as pd

from analisi.codifica.codebook import CODICI
from analisi.etichette import data_ora_it, etichetta_codice
from archivio.politiche import SOGLIA_CELLE

MINIMO_RACCONTI = SOGLIA_CELLE


def _df(righe: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    return righe.copy() if isinstance(righe, pd.DataFrame) else pd.DataFrame(list(righe))


def _vuota(colonne: list[str]) -> pd.DataFrame:
    # Typed empty columns: Altair infers the encoding types from the dtypes even with no rows.
    numeriche = {"frasi_con_codice", "frasi", "racconti", "quota", "proposte", "confermate"}
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeriche else "object") for c in colonne})


def tabella_quote_codici(righe: Iterable[Mapping[str, Any]] | pd.DataFrame, per: str = "associazione",
                         minimo_racconti: int = MINIMO_RACCONTI) -> pd.DataFrame:
    """Share of sentences carrying each code, by ``per`` (``associazione`` or ``periodo``).

    Columns: gruppo, codice, etichetta, frasi_con_codice, frasi, racconti, quota (0-1). Groups with fewer than
    ``minimo_racconti`` stories are left out.
    """
    df = _df(righe)
    colonne = ["gruppo", "codice", "etichetta", "frasi_con_codice", "frasi", "racconti", "quota"]
    if df.empty:
        return _vuota(colonne)
    df["gruppo"] = df[per].fillna("(nessuna)" if per == "associazione" else "(non indicato)")
    out = []
    for gruppo, g in df.groupby("gruppo", sort=True):
        racconti = g["racconto"].nunique()
        if racconti < minimo_racconti:
            continue
        for c in CODICI:
            n = int(g["codici"].apply(lambda cs, c=c: c in cs).sum())
            out.append({"gruppo": gruppo, "codice": c, "etichetta": etichetta_codice(c), "frasi_con_codice": n,
                        "frasi": len(g), "racconti": racconti, "quota": n / len(g)})
    return pd.DataFrame(out, columns=colonne)


def grafico_quote_codici(righe: Iterable[Mapping[str, Any]] | pd.DataFrame, per: str = "associazione",
                         minimo_racconti: int = MINIMO_RACCONTI) -> alt.Chart:
    """Grouped bars: share of sentences with each code, by association or period."""
    t = tabella_quote_codici(righe, per, minimo_racconti)
    titolo = "associazione" if per == "associazione" else "periodo"
    return (alt.Chart(t, title=f"Quota di frasi per codice e {titolo}")
            .mark_bar()
            .encode(y=alt.Y("gruppo:N", title=titolo.capitalize()),
                    x=alt.X("quota:Q", title="Quota di frasi", axis=alt.Axis(format="%")),
                    color=alt.Color("etichetta:N", title="Codice"),
                    yOffset="etichetta:N",
                    tooltip=["gruppo:N", "etichetta:N", alt.Tooltip("quota:Q", format=".1%"), "frasi_con_codice:Q",
                             "frasi:Q", "racconti:Q"]))


def tabella_proposte_per_area(righe: Iterable[Mapping[str, Any]] | pd.DataFrame,
                              nomi_aree: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Proposals by Piano di Zona area: columns area, nome, proposte, confermate (by staff), racconti, quota."""
    df = _df(righe)
    colonne = ["area", "nome", "proposte", "confermate", "racconti", "quota"]
    if df.empty:
        return _vuota(colonne)
    df["area"] = df["area"].fillna("(da assegnare)")
    totale = len(df)
    out = []
    for area, g in df.groupby("area", sort=True):
        out.append({"area": area, "nome": (nomi_aree or {}).get(str(area), str(area)), "proposte": len(g),
                    "confermate": int((g.get("fonte_area") == "umano").sum()) if "fonte_area" in g else 0,
                    "racconti": g["racconto"].nunique(), "quota": len(g) / totale})
    return pd.DataFrame(out, columns=colonne)


def grafico_proposte_per_area(righe: Iterable[Mapping[str, Any]] | pd.DataFrame,
                              nomi_aree: Mapping[str, str] | None = None) -> alt.Chart:
    """Bars: number of proposals per Piano di Zona area."""
    t = tabella_proposte_per_area(righe, nomi_aree)
    return (alt.Chart(t, title="Proposte per area del Piano di Zona")
            .mark_bar()
            .encode(y=alt.Y("nome:N", title="Area", sort="-x"), x=alt.X("proposte:Q", title="Proposte"),
                    tooltip=["area:N", "nome:N", "proposte:Q", "confermate:Q", "racconti:Q",
                             alt.Tooltip("quota:Q", format=".1%")]))


def nomi_aree(tassonomia: Any) -> dict[str, str]:
    """``{code: "code. name"}`` of a :class:`analisi.piano.Tassonomia`, for chart labels."""
    return {a.codice: f"{a.codice}. {a.nome}" for a in tassonomia.aree}


def tabella_kappa_nel_tempo(storia: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per retraining: decisions so far, held-out κ of the model before it, decisions it was tried on.

    Columns: decisioni, kappa, valutate, quando (rows without a κ, e.g. one class only, are kept with NaN)."""
    colonne = ["decisioni", "kappa", "valutate", "quando"]
    df = pd.DataFrame(list(storia), columns=colonne)
    if df.empty:
        return pd.DataFrame({"decisioni": pd.Series(dtype="float64"), "kappa": pd.Series(dtype="float64"),
                             "valutate": pd.Series(dtype="float64"), "quando": pd.Series(dtype="object")})
    df["kappa"] = pd.to_numeric(df["kappa"], errors="coerce")
    df["quando"] = df["quando"].map(data_ora_it)
    return df.sort_values("decisioni").reset_index(drop=True)


def grafico_kappa_nel_tempo(storia: Iterable[Mapping[str, Any]]) -> Any:
    """Line: Cohen's κ of the model against people's decisions it had not seen, as decisions accumulate.

    Returns an :class:`analisi.grafici_panoramica.Figura` (chart, table alternative, description)."""
    from analisi.grafici_panoramica import Figura

    t = tabella_kappa_nel_tempo(storia)
    validi = t.dropna(subset=["kappa"])
    if validi.empty:
        descrizione = "Nessuna misura di κ ancora: arriva dopo il primo riaddestramento."
    else:
        ultimo = validi.iloc[-1]
        descrizione = (f"κ del modello sulle decisioni che non aveva ancora visto: {ultimo['kappa']:.2f} dopo "
                       f"{int(ultimo['decisioni'])} decisioni ({len(validi)} misure).")
    grafico = (alt.Chart(validi, title="Accordo modello-persone (κ, decisioni tenute da parte)")
               .mark_line(point=True)
               .encode(x=alt.X("decisioni:Q", title="Decisioni delle persone"),
                       y=alt.Y("kappa:Q", title="κ di Cohen", scale=alt.Scale(domain=[-0.2, 1])),
                       tooltip=["decisioni:Q", alt.Tooltip("kappa:Q", format=".2f"), "valutate:Q", "quando:N"]))
    return Figura(grafico, t, descrizione)
