"""What every export of quotes shares: the quote, who decided it, which quotes go in (abstention), the header.

Every function takes the coded sentences the store returned (``archivio.cruscotto.citazioni.FraseDaCitare``) and
returns bytes. Rules every format follows:

- ONLY quotes whose narrator consented to being quoted: rows without ``citabile`` are dropped here as
  well, whatever the caller asked (defence in depth: the store query already filters them).
- Every quote carries its source: story code, association, theme, code and model version.
- A quote is inert text everywhere: XLSX cells are written as strings (never formulas), CSV cells starting
  with ``= + - @``, a tab or a carriage return are prefixed with an apostrophe (OWASP's advice against
  formula injection), DOCX and QDPX escape XML, control characters are removed.
- Every quote says who decided its code and its Piano di Zona area: a person ("confermato") or the model
  ("proposto dal modello", with its calibrated probability).

Abstention (issue 11): the planning exports hold the quotes a person confirmed and the model's quotes whose
calibrated probability reaches :data:`SOGLIA_MODELLO` (setting ``NARRAZIONI_ESPORTA__SOGLIA_MODELLO``), the
threshold at which the model's precision is at least :data:`PRECISIONE_MINIMA` on held-out data; the others
are left out and counted per area (:func:`applica_astensione`). How the threshold is measured:
:func:`soglia_per_precisione`, printed by ``python -m analisi.codifica.valuta soglie``. A model's area whose
calibrated confidence is below :data:`SOGLIA_AREA` is exported as "da assegnare", with its two likeliest areas.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from analisi.etichette import data_it, etichetta_codice, etichetta_periodo, etichetta_sottocodice
from archivio.cruscotto.citazioni import FraseDaCitare
from archivio.impostazioni import predefinito

NESSUNA_AREA = "Area non ancora assegnata"
DA_ASSEGNARE = "Da assegnare (area incerta)"
PRECISIONE_MINIMA = 0.9
# The smallest calibrated probability at which the shipped coder's proposta precision is >= 0.9 on BOTH
# held-out sets (the real development set corpus/reale, zero-shot, and out-of-fold on the corpus gold), with
# at least MINIMO_SELEZIONATE units above it. Measured by ``python -m analisi.codifica.valuta soglie``; when
# no threshold reaches the precision (the shipped coder on real text, December 2026) it is 1.0: only what a
# person confirmed is exported until a campaign's retrained coder is measured again.
SOGLIA_MODELLO: float = predefinito("esporta.soglia_modello")
# below this calibrated confidence a model's area is "da assegnare" (see analisi.piano)
SOGLIA_AREA: float = predefinito("piano.soglia_area")
MINIMO_SELEZIONATE = 20
# Never in an export (defence in depth: raccolta.validazione strips them at the door too): C0 controls but
# tab, newline and carriage return, DEL and C1 controls, lone surrogates and the Unicode noncharacters (XML
# forbids U+FFFE/U+FFFF: lxml, under openpyxl and python-docx, refuses the whole file), bidirectional
# controls and invisible characters (a quote must read as it is written).
_NON_CARATTERI = "\ufdd0-\ufdef" + "".join(
    chr(piano * 0x10000 + 0xFFFE) + "-" + chr(piano * 0x10000 + 0xFFFF) for piano in range(17))
_CONTROLLO = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ud800-\udfff" + _NON_CARATTERI + "]")

COLONNE: tuple[tuple[str, str], ...] = (
    ("racconto", "Racconto"),
    ("associazione", "Associazione"),
    ("area", "Area del Piano di Zona"),
    ("scheda", "Scheda"),
    ("tema", "Tema"),
    ("codice", "Codice"),
    ("sottocodici", "Sottocodici"),
    ("citazione", "Citazione"),
    ("data", "Data del racconto"),
    ("periodo", "Periodo"),
    ("fonte_codice", "Codice assegnato da"),
    ("modello", "Versione del modello"),
    ("probabilita", "Probabilità"),
    ("fonte_area", "Area assegnata da"),
    ("verifica", "Confermata da una persona o proposta dal modello"),
    ("probabilita_area", "Confidenza dell'area"),
    ("aree_possibili", "Aree più probabili (modello)"),
    ("escluse_area", "Proposte del modello escluse in quest'area"),
)


@dataclass(frozen=True)
class Citazione:
    """One sentence to quote, with its first-level code and sub-codes merged."""

    frase_id: int
    racconto_id: int
    racconto: str
    associazione: str
    tema: str | None
    codice: str
    sottocodici: tuple[str, ...]
    testo: str
    data: date | None
    periodo: str | None
    fonte_codice: str
    modello: str | None
    probabilita: float | None
    area: str | None
    scheda: str | None
    fonte_area: str | None
    inizio: int = 0
    fine: int = 0
    punteggio_area: float | None = None
    seconda_area: str | None = None
    punteggio_seconda: float | None = None
    da_assegnare: bool = False  # the model's area is below SOGLIA_AREA: shown as a suggestion only

    @property
    def confermata(self) -> bool:
        """A person decided the code (and, for a proposal with an area, the area too)."""
        return self.fonte_codice == "umano" and (self.area is None or self.fonte_area == "umano")

    def verifica(self) -> str:
        """Who decided: "confermata da una persona" or "proposta dal modello (p = 0.93)", code and area."""
        if self.fonte_codice == "umano":
            codice = "codice confermato da una persona"
        else:
            p = f" (p = {self.probabilita:.2f})" if self.probabilita is not None else ""
            codice = f"codice proposto dal modello{p}"
        if self.area is None:
            return codice
        if self.fonte_area == "umano":
            return f"{codice}; area confermata da una persona"
        p = f" (confidenza {self.punteggio_area:.2f})" if self.punteggio_area is not None else ""
        return f"{codice}; area proposta dal modello{p}" + ("; da assegnare" if self.da_assegnare else "")

    def aree_possibili(self, nomi_aree: Mapping[str, str] | None = None) -> str:
        """The model's two likeliest areas with their confidence (empty for a person's area)."""
        if self.area is None or self.fonte_area == "umano":
            return ""
        parti = [f"{nome_area(self.area, nomi_aree)}"
                 + (f" ({self.punteggio_area:.2f})" if self.punteggio_area is not None else "")]
        if self.seconda_area:
            parti.append(f"{nome_area(self.seconda_area, nomi_aree)}"
                         + (f" ({self.punteggio_seconda:.2f})" if self.punteggio_seconda is not None else ""))
        return "; ".join(parti)

    def riga(self, nomi_aree: Mapping[str, str] | None = None,
             nomi_schede: Mapping[str, str] | None = None, escluse: Mapping[str | None, int] | None = None
             ) -> dict[str, Any]:
        """The export row (Italian column keys of :data:`COLONNE`)."""
        area = DA_ASSEGNARE if self.da_assegnare else nome_area(self.area, nomi_aree)
        return {
            "racconto": self.racconto, "associazione": self.associazione,
            "area": area, "scheda": "" if self.da_assegnare else _nome(self.scheda, nomi_schede) or "",
            "tema": self.tema or "", "codice": etichetta_codice(self.codice),
            "sottocodici": ", ".join(etichetta_sottocodice(c.split(".", 1)[1]) for c in self.sottocodici),
            "citazione": pulisci(self.testo), "data": data_it(self.data),
            "periodo": etichetta_periodo(self.periodo) if self.periodo else "",
            "fonte_codice": _fonte(self.fonte_codice),
            "modello": self.modello or "",
            "probabilita": round(self.probabilita, 3) if self.probabilita else "",
            "fonte_area": _fonte(self.fonte_area) if self.area else "",
            "verifica": self.verifica(),
            "probabilita_area": round(self.punteggio_area, 3) if self.punteggio_area is not None
            and self.fonte_area != "umano" else "",
            "aree_possibili": self.aree_possibili(nomi_aree),
            "escluse_area": (escluse or {}).get(self.gruppo, 0),
        }

    @property
    def gruppo(self) -> str | None:
        """The area the quote is grouped under: its area, or None when unassigned or uncertain."""
        return None if self.da_assegnare else self.area


def _fonte(fonte: str | None) -> str:
    return {"umano": "persona (verificato)", "modello": "modello"}.get(fonte or "", fonte or "")


def _nome(codice: str | None, nomi: Mapping[str, str] | None) -> str | None:
    if not codice:
        return None
    return (nomi or {}).get(codice, codice)


def nome_area(area: str | None, nomi_aree: Mapping[str, str] | None = None) -> str:
    return _nome(area, nomi_aree) or NESSUNA_AREA


def pulisci(testo: str, sostituto: str = "") -> str:
    """Remove the characters no export may hold (invalid in XML, invisible or reordering in a document).

    ``sostituto`` (one character, e.g. U+FFFD) keeps every offset into the text valid instead.
    """
    return _CONTROLLO.sub(sostituto, testo)


def unisci(frasi: Iterable[FraseDaCitare], *, soglia_area: float = SOGLIA_AREA) -> list[Citazione]:
    """One quote per (sentence, first-level code), sub-codes merged; non-consented stories dropped.

    A model's area whose confidence is below ``soglia_area`` is marked ``da_assegnare`` (a person's never is).
    """
    gruppi: dict[tuple[int, str], list[FraseDaCitare]] = defaultdict(list)
    for f in frasi:
        if not f.citabile:
            continue
        gruppi[(f.frase_id, f.codice.split(".", 1)[0])].append(f)
    out = []
    for (_, padre), righe in gruppi.items():
        principale = next((r for r in righe if r.codice == padre), righe[0])
        modello = next((r.modello for r in righe if r.modello), None)
        punteggio_area = getattr(principale, "punteggio_area", None)
        incerta = bool(principale.area and principale.fonte_area != "umano" and punteggio_area is not None
                       and punteggio_area < soglia_area)
        out.append(Citazione(
            frase_id=principale.frase_id, racconto_id=principale.racconto_id, racconto=principale.racconto,
            associazione=principale.associazione, tema=principale.tema, codice=padre,
            sottocodici=tuple(sorted({r.codice for r in righe if "." in r.codice})), testo=principale.testo,
            data=principale.data, periodo=principale.periodo, fonte_codice=principale.fonte, modello=modello,
            probabilita=principale.probabilita, area=principale.area, scheda=principale.scheda,
            fonte_area=principale.fonte_area, inizio=principale.inizio, fine=principale.fine,
            punteggio_area=punteggio_area, seconda_area=getattr(principale, "seconda_area", None),
            punteggio_seconda=getattr(principale, "punteggio_seconda", None), da_assegnare=incerta))
    out.sort(key=lambda c: (c.gruppo or "~", c.associazione, c.racconto, c.inizio, c.codice))
    return out


def per_area(citazioni: Sequence[Citazione]) -> dict[str | None, list[Citazione]]:
    """Quotes grouped by Piano di Zona area, areas in code order, the unassigned and uncertain ones last."""
    gruppi: dict[str | None, list[Citazione]] = defaultdict(list)
    for c in citazioni:
        gruppi[c.gruppo].append(c)
    return {a: gruppi[a] for a in sorted(gruppi, key=lambda a: (a is None, _ordine_codice(a)))}


# ------------------------------------------------------------------------------------------- abstention
@dataclass(frozen=True)
class Selezione:
    """The quotes an export holds under the abstention rule, and what it left out (per area)."""

    citazioni: list[Citazione]
    escluse: dict[str | None, int]
    soglia: float

    @property
    def totale_escluse(self) -> int:
        return sum(self.escluse.values())


def ammessa(c: Citazione, soglia: float) -> bool:
    """A person confirmed the code, or the model's calibrated probability reaches ``soglia``."""
    if c.fonte_codice == "umano":
        return True
    return soglia < 1.0 and c.probabilita is not None and c.probabilita >= soglia


def applica_astensione(citazioni: Iterable[Citazione], soglia: float = SOGLIA_MODELLO) -> Selezione:
    """Keep confirmed quotes and the model's quotes at ``soglia`` or above; count the others per area.

    A model's quote without a probability is left out (nothing says how sure the model was)."""
    tenute: list[Citazione] = []
    escluse: Counter[str | None] = Counter()
    for c in citazioni:
        if ammessa(c, soglia):
            tenute.append(c)
        else:
            escluse[c.gruppo] += 1
    return Selezione(tenute, dict(escluse), soglia)


def soglia_per_precisione(vero: Sequence[int] | Any, probabilita: Sequence[float] | Any,
                          precisione: float = PRECISIONE_MINIMA, minimo: int = MINIMO_SELEZIONATE) -> float | None:
    """The smallest threshold at which precision is at least ``precisione`` with at least ``minimo`` items
    above it, and stays so for every higher threshold with ``minimo`` items (sklearn's precision-recall
    curve); None when no threshold gets there."""
    import numpy as np
    from sklearn.metrics import precision_recall_curve

    y = np.asarray(vero, dtype=int)
    p = np.asarray(probabilita, dtype=float)
    if not y.any():
        return None
    prec, _, soglie = precision_recall_curve(y, p)
    selezionate = np.array([(p >= s).sum() for s in soglie])
    valide = selezionate >= minimo
    buone = (prec[:-1] >= precisione) | ~valide
    # from the highest threshold down, stop at the first (valid) one that misses the precision
    scelta: float | None = None
    for i in range(len(soglie) - 1, -1, -1):
        if not buone[i]:
            break
        if valide[i]:
            scelta = float(soglie[i])
    return scelta


def _ordine_codice(codice: str | None) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", codice or ""))


@dataclass(frozen=True)
class Intestazione:
    """What the reader of an export must know: when, by whom, with which filters, under which rule."""

    titolo: str = "Proposte dei cittadini per il Piano di Zona"
    creato_il: datetime = field(default_factory=datetime.now)
    autore: str = ""
    filtri: str = "nessun filtro"
    nomi_aree: Mapping[str, str] = field(default_factory=dict)
    nomi_schede: Mapping[str, str] = field(default_factory=dict)
    escluse: Mapping[str | None, int] = field(default_factory=dict)  # model quotes left out, per area
    soglia: float | None = None  # the abstention threshold applied (None: no rule applied)

    def righe(self, citazioni: Sequence[Citazione]) -> list[str]:
        out = [
            f"Creato il {self.creato_il:%d/%m/%Y %H:%M}" + (f" da {self.autore}" if self.autore else ""),
            f"Filtri: {self.filtri}",
            f"{len(citazioni)} citazioni da {len({c.racconto for c in citazioni})} racconti di "
            f"{len({c.associazione for c in citazioni})} associazioni.",
            "Solo frasi di racconti i cui autori hanno acconsentito alla citazione; testi anonimizzati.",
        ]
        confermate = sum(c.fonte_codice == "umano" for c in citazioni)
        out.append(f"{confermate} citazioni confermate da una persona, {len(citazioni) - confermate} proposte "
                   "dal modello (ogni citazione indica chi ha deciso codice e area).")
        if self.soglia is not None:
            regola = ("solo le frasi confermate da una persona" if self.soglia > 1 - 1e-9 else
                      "tutte le frasi codificate, anche quelle del modello non confermate (nessuna astensione)"
                      if self.soglia <= 0 else
                      f"le frasi confermate da una persona e quelle del modello con probabilità calibrata "
                      f"≥ {self.soglia:.2f} (precisione ≥ {PRECISIONE_MINIMA:.0%} su dati tenuti da parte)")
            out.append(f"Regola: {regola}.")
            totale = sum(self.escluse.values())
            dettaglio = "; ".join(f"{nome_area(a, self.nomi_aree)}: {n}" for a, n in self.escluse_ordinate())
            out.append(f"Proposte del modello non confermate lasciate fuori: {totale}"
                       + (f" ({dettaglio})." if dettaglio else "."))
        return out

    def escluse_ordinate(self) -> list[tuple[str | None, int]]:
        return [(a, self.escluse[a]) for a in sorted(self.escluse, key=lambda a: (a is None, _ordine_codice(a)))
                if self.escluse[a]]
