"""Human Italian labels for everything the dashboard and the exports show: ONE place.

Internal ids (codes such as ``preoccupazione_futuro``, sub-codes such as ``associazioni_volontariato``,
pipeline stages such as ``anonimizza.v1``, audit actions such as ``login_riuscito``, period keys) never
reach a page or a file: they pass through the functions below. Dates are written the Italian way
(``03/12/2026``, ``mar 2020``, ``marzo 2020``) without depending on the machine's locale; an empty value is
an empty cell, never "None", "nan" or "NaT".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

MESI = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
        "ottobre", "novembre", "dicembre")
MESI_BREVI = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
# Streamlit's date input: the order of day, month and year (the field itself shows gg/mm/aaaa, see pagine)
FORMATO_DATA_WIDGET = "DD/MM/YYYY"

CODICI = {
    "vita_quotidiana": "Vita quotidiana",
    "ansia": "Ansia",
    "preoccupazione_futuro": "Preoccupazione per il futuro",
    "proposta": "Proposta",
}
SOTTOCODICI = {
    "associazioni_volontariato": "associazioni e volontariato",
    "vicinato_comunita": "vicinato e comunità",
    "servizi": "servizi",
    "digitale": "digitale",
    "spazi": "spazi",
    "caregiver": "caregiver",
    "salute": "salute",
    "economia": "economia",
    "lavoro": "lavoro",
    "solitudine": "solitudine",
    "scuola": "scuola",
    "scuola_figli": "scuola dei figli",
    "lutto": "lutto",
}
STADI = {
    "anonimizza": "Anonimizzazione",
    "frasi": "Divisione in frasi",
    "codifica": "Codifica delle frasi",
    "piano": "Aree del Piano di Zona",
    "temi": "Temi",
    "lingua": "Analisi linguistica",
}
STATI = {"fatto": "fatto", "errore": "errore", "in_attesa": "in attesa", "in_revisione": "in revisione",
         "approvato": "approvato", "in_corso": "in corso", "finita": "finita", "fallita": "non riuscita"}
PERIODI = {
    "lockdown-2020": "Primo lockdown (mar-mag 2020)",
    "estate-2020": "Estate 2020",
    "seconda-ondata": "Seconda ondata (ott 2020 - gen 2021)",
    "zone-colori-2021": "Zone a colori (feb-mag 2021)",
    "riaperture-2021": "Riaperture (giu-dic 2021)",
}
CANALI = {"modulo": "modulo online", "importazione": "importazione", "operatore": "inserito da un operatore"}
FONTI = {"modello": "modello", "umano": "persona"}
AZIONI = {
    "login_riuscito": "Accesso",
    "login_fallito": "Accesso non riuscito",
    "login_bloccato": "Accesso bloccato (troppi tentativi)",
    "logout": "Uscita",
    "esportazione": "Esportazione",
    "esportazione_negata": "Esportazione negata",
    "grezzo_letto": "Lettura del testo originale",
    "revisione_approvata": "Revisione approvata",
    "revisione_anonimizzazione": "revisione dell'anonimizzazione",
    "ritiro": "Ritiro di un racconto",
    "racconto_ritirato": "Racconto ritirato",
    "racconto_inserito": "Racconto inserito",
    "utente_aggiunto": "Utente aggiunto",
    "utente_disattivato": "Utente disattivato",
    "utente_riattivato": "Utente riattivato",
    "ruolo_cambiato": "Ruolo cambiato",
    "password_reimpostata": "Password reimpostata",
    "tema_rinominato": "Tema rinominato",
    "codifica": "Codifica di una frase",
    "conservazione_eliminati": "Testi originali scaduti eliminati",
}


def vuoto(v: Any) -> bool:
    """None, NaN, NaT, pd.NA or an empty string."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _parole(chiave: str) -> str:
    return chiave.replace("_", " ").replace("-", " ")


def etichetta_codice(codice: str) -> str:
    """"Proposta › associazioni e volontariato" for ``proposta.associazioni_volontariato``."""
    padre, _, figlio = str(codice).partition(".")
    base = CODICI.get(padre, _parole(padre).capitalize())
    return f"{base} › {SOTTOCODICI.get(figlio, _parole(figlio))}" if figlio else base


def etichetta_sottocodice(figlio: str) -> str:
    return SOTTOCODICI.get(figlio, _parole(figlio))


def etichetta_stadio(stadio: str) -> str:
    """"Anonimizzazione (versione 1)" for ``anonimizza.v1``."""
    nome, _, versione = str(stadio).partition(".")
    base = STADI.get(nome, _parole(nome).capitalize())
    if versione.startswith("v") and versione[1:].isdigit():
        return f"{base} (versione {versione[1:]})"
    return base


def etichetta_stato(stato: str) -> str:
    return STATI.get(stato, _parole(stato))


def etichetta_periodo(periodo: Any) -> str:
    if vuoto(periodo):
        return "non indicato"
    return PERIODI.get(str(periodo), _parole(str(periodo)))


def etichetta_canale(canale: Any) -> str:
    return "" if vuoto(canale) else CANALI.get(str(canale), _parole(str(canale)))


def etichetta_fonte(fonte: Any) -> str:
    return "" if vuoto(fonte) else FONTI.get(str(fonte), _parole(str(fonte)))


def etichetta_azione(azione: str) -> str:
    """An audit action as words ("login_riuscito" -> "Accesso")."""
    return AZIONI.get(azione, _parole(azione).capitalize())


def _a_data(v: Any) -> date | None:
    if vuoto(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, date):
        return v
    try:
        return pd.Timestamp(str(v)).to_pydatetime()
    except (ValueError, TypeError):
        return None


def data_it(v: Any) -> str:
    """"03/12/2026"; "" when empty."""
    d = _a_data(v)
    return "" if d is None else f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def data_ora_it(v: Any) -> str:
    """"03/12/2026 12:10" (times in the store are UTC); "" when empty."""
    d = _a_data(v)
    if d is None:
        return ""
    if not isinstance(d, datetime):
        return data_it(d)
    return f"{data_it(d)} {d.hour:02d}:{d.minute:02d}"


def mese_it(v: Any, *, lungo: bool = False) -> str:
    """"mar 2020" (or "marzo 2020") for a date, a timestamp or a "2020-03" month key; "" when empty."""
    if vuoto(v):
        return ""
    if isinstance(v, str) and len(v) == 7 and v[4] == "-" and v[:4].isdigit() and v[5:].isdigit():
        anno, mese = int(v[:4]), int(v[5:])
    else:
        d = _a_data(v)
        if d is None:
            return str(v)
        anno, mese = d.year, d.month
    nomi = MESI if lungo else MESI_BREVI
    return f"{nomi[mese - 1]} {anno}"


# Vega-Lite expression: a temporal axis label as "mar 2020" (Vega's own month names are English)
_MESI_VEGA = "[" + ",".join(f"'{m}'" for m in MESI_BREVI) + "]"
ETICHETTA_MESE_VEGA = f"{_MESI_VEGA}[month(datum.value)] + ' ' + year(datum.value)"


def cella(v: Any) -> Any:
    """A table cell as shown: empty for missing values, Italian dates, "sì"/"no" for booleans."""
    if isinstance(v, bool):
        return "sì" if v else "no"
    if vuoto(v):
        return ""
    if isinstance(v, datetime | pd.Timestamp):
        return data_ora_it(v) if (v.hour, v.minute, v.second) != (0, 0, 0) else data_it(v)
    if isinstance(v, date):
        return data_it(v)
    return v


def tabella_leggibile(df: pd.DataFrame, *, rinomina: Mapping[str, Any] | None = None,
                      tranne: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy fit for a page or an export: no "None"/"nan"/"NaT", Italian dates, booleans as sì/no, and
    the given columns mapped through their label function (e.g. ``{"azione": etichetta_azione}``)."""
    out = df.copy()
    for c in out.columns:
        serie = out[c]
        if c in tranne:  # e.g. a date column the page formats itself (a DateColumn sorts by date)
            continue
        if rinomina and c in rinomina:
            out[c] = [rinomina[c](v) if not vuoto(v) else "" for v in serie]
        elif not pd.api.types.is_numeric_dtype(serie.dtype) or pd.api.types.is_bool_dtype(serie.dtype):
            valori = [cella(v) for v in serie]
            if len({type(v) for v in valori}) > 1:  # one type per column: Arrow refuses "" beside numbers
                valori = [numero_it(v) if isinstance(v, int | float) else str(v) for v in valori]
            out[c] = valori
        elif serie.isna().any():  # numbers with gaps: all text (Arrow refuses a mix of numbers and text)
            out[c] = [numero_it(v) for v in serie.astype(object)]
    return out


def numero_it(v: Any) -> str:
    """A number as text, Italian style ("0,25", "1.234"); "" when empty."""
    if vuoto(v):
        return ""
    if not isinstance(v, int | float):
        return str(v)
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.3f}".rstrip("0").rstrip(".").replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(v):,}".replace(",", ".")


def dettagli_leggibili(v: Any) -> str:
    """An audit row's details (JSON) as "motivo: revisione dell'anonimizzazione · byte: 1.234"."""
    import json

    if vuoto(v):
        return ""
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if not isinstance(v, Mapping):
        return str(v)
    parti = []
    for k, x in v.items():
        if isinstance(x, bool):
            testo = "sì" if x else "no"
        elif isinstance(x, int | float):
            testo = numero_it(x)
        elif isinstance(x, list | tuple):
            testo = ", ".join(map(str, x))
        elif isinstance(x, str) and x in AZIONI:
            testo = AZIONI[x]
        elif isinstance(x, str) and "." in x and x.split(".")[0] in STADI:
            testo = etichetta_stadio(x)
        elif isinstance(x, str) and x.split(".")[0] in CODICI:
            testo = etichetta_codice(x)
        else:
            testo = _parole(str(x)) if isinstance(x, str) and "_" in x and " " not in x else str(x)
        parti.append(f"{_parole(str(k))}: {testo}")
    return " · ".join(parti)
