"""Validation of a story, shared by the form, the importers and the operators' page.

Messages are Italian (they reach citizens and operators). Nothing here touches the store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from archivio.errori import ErroreDati
from archivio.periodi import PERIODI as PERIODI_NARRATI
from archivio.periodi import codice_periodo
from archivio.racconti import NuovoRacconto

MIN_CARATTERI = 20
MAX_CARATTERI = 20_000
MAX_TITOLO = 200
FASCE_ETA = ("<18", "18-29", "30-44", "45-64", "65-74", "75+")
RUOLI = ("cittadino", "caregiver", "volontario", "operatore", "genitore", "studente", "altro")
PERIODI = {p.codice: p.etichetta for p in PERIODI_NARRATI}  # the narrated time (archivio.periodi)
TEMI_AUTOVALUTAZIONE = {
    "giornate": "Come passavo le giornate",
    "paure": "Paure e ansie",
    "futuro": "Preoccupazioni per il futuro",
    "proposte": "Proposte per il quartiere e le associazioni",
    "salute": "Salute",
    "solitudine": "Solitudine",
    "lavoro": "Lavoro e soldi",
    "famiglia": "Famiglia e cura",
}
NESSUNA = "nessuna"
# Stripped from every field at the door:
# - C0 controls except tab and newline (carriage returns become newlines first), DEL and the C1 controls;
# - invisible characters: zero-width spaces and joiners, U+2028/U+2029, the byte-order mark;
# - bidirectional controls (U+200E/F, U+061C, U+202A-U+202E, U+2066-U+2069): they make a title or a
#   quote display reversed ("Trojan Source");
# - lone surrogates (from broken JSON escapes: not encodable as UTF-8);
# - the 66 Unicode noncharacters (U+FDD0-U+FDEF and U+xFFFE/U+xFFFF of every plane): U+FFFE and U+FFFF
#   are illegal in XML, so one of them would break every XLSX and DOCX export.
_NON_CARATTERI = "\ufdd0-\ufdef" + "".join(
    chr(piano * 0x10000 + 0xFFFE) + "-" + chr(piano * 0x10000 + 0xFFFF) for piano in range(17))
_CONTROLLO = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
    + _NON_CARATTERI + "]")


@dataclass(frozen=True)
class ErroreCampo:
    campo: str
    messaggio: str


class ErroreValidazione(ErroreDati, ValueError):
    def __init__(self, errori: list[ErroreCampo]) -> None:
        super().__init__("; ".join(f"{e.campo}: {e.messaggio}" for e in errori))
        self.errori = errori


def pulisci_testo(testo: str) -> str:
    """NFC, Unix newlines, no control or invisible characters, no trailing spaces at the ends."""
    testo = unicodedata.normalize("NFC", testo.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLLO.sub("", testo).strip()


def _opzionale(valore: Any) -> str | None:
    if valore is None:
        return None
    if isinstance(valore, float) and valore != valore:  # NaN from spreadsheets
        return None
    s = pulisci_testo(str(valore))
    return s or None


def leggi_data(valore: Any) -> date | None:
    """Accept YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or a date/datetime object."""
    if valore is None or valore == "":
        return None
    if isinstance(valore, datetime):
        return valore.date()
    if isinstance(valore, date):
        return valore
    s = str(valore).strip()
    for formato in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(s, formato).date()
        except ValueError:
            continue
    raise ValueError(s)


def valida_racconto(campi: Mapping[str, Any], *, associazioni: set[str], canale: str,
                    versione_consenso: str, consenso_obbligatorio: bool = True) -> NuovoRacconto:
    """Check a submitted story and build what the store receives, or raise ErroreValidazione."""
    errori: list[ErroreCampo] = []
    testo = pulisci_testo(str(campi.get("testo") or ""))
    if not testo:
        errori.append(ErroreCampo("testo", "Scrivi il tuo racconto: il campo è obbligatorio."))
    elif len(testo) < MIN_CARATTERI:
        errori.append(ErroreCampo(
            "testo", f"Il racconto è troppo breve: servono almeno {MIN_CARATTERI} caratteri."))
    elif len(testo) > MAX_CARATTERI:
        errori.append(ErroreCampo(
            "testo", f"Il racconto è troppo lungo: al massimo {MAX_CARATTERI} caratteri (ora {len(testo)})."))
    titolo = _opzionale(campi.get("titolo"))
    if titolo and len(titolo) > MAX_TITOLO:
        errori.append(ErroreCampo("titolo", f"Il titolo può avere al massimo {MAX_TITOLO} caratteri."))

    associazione = _opzionale(campi.get("associazione"))
    altra = _opzionale(campi.get("associazione_altra"))
    if associazione and associazione.lower().startswith("altra:"):
        altra, associazione = associazione.split(":", 1)[1].strip() or None, None
    if associazione and associazione.lower() == "altra":
        associazione = None
        if not altra:
            errori.append(ErroreCampo("associazione_altra", "Scrivi il nome dell'associazione."))
    elif associazione and associazione.lower() == NESSUNA:
        associazione = None
    elif associazione and associazione not in associazioni:
        errori.append(ErroreCampo("associazione", f"Associazione non riconosciuta: «{associazione[:80]}»."))
    if altra and len(altra) > 200:
        errori.append(ErroreCampo("associazione_altra", "Il nome dell'associazione è troppo lungo."))

    fascia = _opzionale(campi.get("fascia_eta"))
    if fascia and fascia not in FASCE_ETA:
        errori.append(ErroreCampo("fascia_eta", "Fascia d'età non valida."))
    ruolo = _opzionale(campi.get("ruolo"))
    if ruolo and ruolo.lower() not in RUOLI:
        errori.append(ErroreCampo("ruolo", "Ruolo non valido."))
    periodo = None
    try:  # a code, or its label as a spreadsheet may have it; empty or "non indicato": not indicated
        periodo = codice_periodo(_opzionale(campi.get("periodo")))
    except ValueError:
        errori.append(ErroreCampo("periodo", "Periodo non valido: scegli uno dei periodi proposti o "
                                  "«non indicato» (" + ", ".join(PERIODI) + ")."))
    quartiere = _opzionale(campi.get("quartiere"))
    if quartiere and len(quartiere) > 120:
        errori.append(ErroreCampo("quartiere", "Il nome della zona è troppo lungo."))
    data_racconto = None
    try:
        grezza = campi.get("data")
        data_racconto = leggi_data(grezza if isinstance(grezza, date) else _opzionale(grezza))
        if data_racconto and not date(2019, 1, 1) <= data_racconto <= date(2035, 12, 31):
            errori.append(ErroreCampo("data", "La data deve essere tra il 2019 e il 2035."))
    except ValueError:
        errori.append(ErroreCampo("data", "Data non valida: usa il formato GG/MM/AAAA."))

    consenso = _vero(campi.get("consenso"))
    if consenso_obbligatorio and not consenso:
        errori.append(ErroreCampo(
            "consenso", "Per inviare il racconto serve il tuo consenso al trattamento dei dati."))
    autovalutazione = None
    sensazione = _opzionale(campi.get("sensazione"))
    temi = _lista_temi(campi.get("temi"))
    if sensazione is not None and sensazione not in {"1", "2", "3", "4", "5"}:
        errori.append(ErroreCampo("sensazione", "Scegli un valore da 1 a 5."))
    if temi is None or any(t not in TEMI_AUTOVALUTAZIONE for t in temi):
        errori.append(ErroreCampo("temi", "Tema non valido."))
    if sensazione or temi:
        autovalutazione = {"sensazione": int(sensazione) if sensazione in {"1", "2", "3", "4", "5"} else None,
                           "temi": sorted(set(temi or []))}
    if errori:
        raise ErroreValidazione(errori)
    return NuovoRacconto(
        testo=testo, canale=canale, versione_consenso=versione_consenso, titolo=titolo,
        associazione=associazione, associazione_altra=altra, quartiere=quartiere, fascia_eta=fascia,
        ruolo=ruolo.lower() if ruolo else None, periodo=periodo, data_racconto=data_racconto,
        consenso_citazione=_vero(campi.get("consenso_citazione")), autovalutazione=autovalutazione,
    )


def _vero(valore: Any) -> bool:
    if isinstance(valore, bool):
        return valore
    return str(valore or "").strip().lower() in {"1", "true", "sì", "si", "s", "yes", "y", "on", "vero", "x"}


def _lista_temi(valore: Any) -> list[str] | None:
    """Themes as a list of strings (a form's list, or "a, b" from a file); None when unusable."""
    if valore is None or valore == "":
        return []
    if isinstance(valore, str):
        return [t.strip() for t in valore.split(",") if t.strip()]
    if isinstance(valore, (list, tuple)) and all(isinstance(t, str) for t in valore):
        return [t.strip() for t in valore if t.strip()]
    return None
