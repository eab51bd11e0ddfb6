"""Printable material for people without internet: an A4 poster with a QR code to the form, and a paper
form whose fields are the import columns, so a transcribed sheet imports with ``narrazioni importa``.

PDFs are drawn with fpdf2 (pure Python) in DejaVu Sans (Debian ``fonts-dejavu-core``), large type (body
≥ 13 pt), real text (readable by screen readers and searchable), document language Italian. The QR code
comes from segno and is drawn as vector squares, so it stays sharp at any printer resolution.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

from fpdf import FPDF

from archivio.errori import ErroreOperazione
from raccolta.consenso import TESTO_CITAZIONE, testo_consenso
from raccolta.formati import SINONIMI
from raccolta.validazione import FASCE_ETA, PERIODI, RUOLI, TEMI_AUTOVALUTAZIONE

CARTELLE_FONT = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/truetype/dejavu"),
                 Path("/usr/share/fonts/dejavu"))
TITOLO_PROGETTO = "Io al tempo della pandemia"
CORPO = 14  # pt: body text
PICCOLO = 12  # pt: smallest text on either document (the column names for whoever transcribes)

ETICHETTE_FASCE = {"<18": "Meno di 18 anni", "18-29": "18–29 anni", "30-44": "30–44 anni",
                   "45-64": "45–64 anni", "65-74": "65–74 anni", "75+": "75 anni o più"}
ETICHETTE_RUOLI = {"cittadino": "Cittadina o cittadino", "caregiver": "Mi prendo cura di una persona (caregiver)",
                   "volontario": "Volontaria o volontario", "operatore": "Operatrice o operatore dei servizi",
                   "genitore": "Genitore", "studente": "Studentessa o studente", "altro": "Altro"}
ETICHETTE_SENSAZIONE = {"1": "1 – Molto difficile", "2": "2 – Difficile", "3": "3 – Né bene né male",
                        "4": "4 – Abbastanza bene", "5": "5 – Bene"}


class ErroreStampa(ErroreOperazione, ValueError):
    """The material cannot be produced (bad address, missing font, unknown consent version, unwritable file)."""


@dataclass(frozen=True)
class CampoCarta:
    """One field of the paper form: the import column it is transcribed into, and how it is asked."""

    colonna: str
    domanda: str
    aiuto: str = ""
    scelte: tuple[tuple[str, str], ...] = ()  # (value to transcribe, label)
    piu_scelte: bool = False
    righe: int = 1  # lines to write on (free text)


CAMPI_MODULO: tuple[CampoCarta, ...] = (
    CampoCarta("titolo", "Un titolo per il tuo racconto (facoltativo)", "Per esempio: «Le telefonate della sera».",
               righe=1),
    CampoCarta("testo", "Il tuo racconto (obbligatorio)",
               "Scrivi con parole tue come passavi le giornate, che cosa ti preoccupava, che cosa vorresti per il "
               "futuro del quartiere. Evita nomi, indirizzi e numeri di telefono: se ci sono, li togliamo noi "
               "prima che qualcuno legga. Se lo spazio non basta, continua su un foglio a parte.", righe=22),
    CampoCarta("associazione", "Associazione o gruppo con cui partecipi (facoltativo)",
               "Scrivi il nome; se non partecipi con un'associazione scrivi «nessuna».", righe=1),
    CampoCarta("quartiere", "Zona in cui vivi (facoltativo)", "Il nome della zona o del quartiere, non l'indirizzo.",
               righe=1),
    CampoCarta("fascia_eta", "La tua età (facoltativo)", "Fai una croce su una casella.",
               tuple((f, ETICHETTE_FASCE.get(f, f)) for f in FASCE_ETA)),
    CampoCarta("ruolo", "Come partecipi (facoltativo)", "Fai una croce su quello che ti descrive meglio.",
               tuple((r, ETICHETTE_RUOLI.get(r, r.capitalize())) for r in RUOLI)),
    CampoCarta("periodo", "Il periodo che racconti (facoltativo)",
               "Se il racconto riguarda più periodi, scegli il principale.", tuple(PERIODI.items())),
    CampoCarta("data", "Data di oggi (facoltativo)", "Giorno, mese e anno: GG/MM/AAAA.", righe=1),
    CampoCarta("sensazione", "Come ti sei sentita o sentito in quel periodo? (facoltativo)",
               "Da 1 (molto difficile) a 5 (bene): una croce.", tuple(ETICHETTE_SENSAZIONE.items())),
    CampoCarta("temi", "Di che cosa parla il tuo racconto? (facoltativo)", "Puoi fare più croci.",
               tuple(TEMI_AUTOVALUTAZIONE.items()), piu_scelte=True),
    CampoCarta("consenso_citazione", "Citazioni (facoltativo)", "", (("sì", TESTO_CITAZIONE),)),
)
COLONNE_MODULO = tuple(c.colonna for c in CAMPI_MODULO)
# Every column printed on the paper form must be one the importer recognises as that very field.
assert all(SINONIMI.get(c) == c for c in COLONNE_MODULO), "paper form column unknown to the importer"


def _font() -> tuple[Path, Path]:
    for cartella in CARTELLE_FONT:
        normale, grassetto = cartella / "DejaVuSans.ttf", cartella / "DejaVuSans-Bold.ttf"
        if normale.is_file() and grassetto.is_file():
            return normale, grassetto
    raise ErroreStampa("font DejaVu Sans non trovato: installa il pacchetto Debian fonts-dejavu-core")


def _documento(titolo: str) -> FPDF:
    normale, grassetto = _font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(normale))
    pdf.add_font("DejaVu", "B", str(grassetto))
    pdf.set_lang("it")
    pdf.set_title(titolo)
    pdf.set_author("Narrazioni")
    pdf.set_creator("Narrazioni")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_font("DejaVu", size=CORPO)
    return pdf


def controlla_url(url: str) -> str:
    """The form's public address, checked: http(s), a host, no spaces. Raises ErroreStampa."""
    url = url.strip()
    parti = urlsplit(url)
    if parti.scheme not in ("http", "https") or not parti.netloc or re.search(r"\s", url):
        raise ErroreStampa(f"indirizzo del modulo non valido: {url!r} (serve un indirizzo completo, "
                           "per esempio https://racconti.comune.it/)")
    return url


def _disegna_qr(pdf: FPDF, url: str, x: float, y: float, lato: float) -> None:
    """The QR code of ``url`` as black squares (runs of a row merged), quiet zone of 4 modules included."""
    import segno

    qr = segno.make_qr(url, error="m")
    matrice = [list(riga) for riga in qr.matrix_iter(scale=1, border=4)]
    modulo = lato / len(matrice)
    pdf.set_fill_color(0, 0, 0)
    for r, riga in enumerate(matrice):
        inizio = 0
        for nero, gruppo in groupby(riga, key=bool):
            lunghezza = len(list(gruppo))
            if nero:
                pdf.rect(x + inizio * modulo, y + r * modulo, lunghezza * modulo, modulo, style="F")
            inizio += lunghezza


def scrivi_manifesto(percorso: Path, url: str, *, titolo_progetto: str = TITOLO_PROGETTO,
                     contatti: str | None = None) -> None:
    """Write the A4 poster: title, an invitation, the QR code of ``url`` and the address in large type."""
    url = controlla_url(url)
    pdf = _documento(f"{titolo_progetto} – manifesto")
    p = pdf
    p.add_page()
    larghezza = p.w - p.l_margin - p.r_margin
    p.set_font("DejaVu", "B", 30)
    p.multi_cell(larghezza, 13, "Racconta com'è stato per te il tempo della pandemia", align="C",
                 new_x="LMARGIN", new_y="NEXT")
    p.ln(4)
    p.set_font("DejaVu", "", 17)
    p.multi_cell(larghezza, 8.5, f"«{titolo_progetto}»: i racconti dei cittadini aiutano a scrivere il Piano di "
                 "Zona per la salute e il benessere sociale. Come passavi le giornate, che cosa ti preoccupava, "
                 "che cosa vorresti per il futuro del quartiere.", align="C", new_x="LMARGIN", new_y="NEXT")
    p.ln(2)
    p.set_font("DejaVu", "B", 17)
    p.multi_cell(larghezza, 8.5, "Non ti chiediamo il nome. Ci vogliono pochi minuti.", align="C",
                 new_x="LMARGIN", new_y="NEXT")
    lato = 95.0
    y_qr = p.get_y() + 6
    _disegna_qr(p, url, (p.w - lato) / 2, y_qr, lato)
    p.set_y(y_qr + lato + 3)
    p.set_font("DejaVu", "", 16)
    p.cell(larghezza, 8, "Inquadra il codice con il telefono, oppure scrivi l'indirizzo:", align="C",
           new_x="LMARGIN", new_y="NEXT")
    p.set_font("DejaVu", "B", 20 if len(url) <= 40 else 15)
    p.multi_cell(larghezza, 10, url, align="C", new_x="LMARGIN", new_y="NEXT")
    p.ln(5)
    p.set_font("DejaVu", "", 16)
    p.multi_cell(larghezza, 8, contatti or "Non hai internet? Chiedi il modulo di carta all'associazione, allo "
                 "sportello sociale o in biblioteca: lo raccogliamo noi.", align="C", new_x="LMARGIN", new_y="NEXT")
    _salva(p, percorso)


def _salva(pdf: FPDF, percorso: Path) -> None:
    try:
        percorso.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(percorso))
    except OSError as e:
        raise ErroreStampa(f"impossibile scrivere {percorso}: {e.strerror}") from None


def _casella(p: FPDF, x: float, y: float, lato: float = 6.0) -> None:
    p.set_draw_color(0, 0, 0)
    p.set_line_width(0.5)
    p.rect(x, y, lato, lato)


def _nota_colonna(p: FPDF, colonna: str, larghezza: float) -> None:
    p.set_font("DejaVu", "", PICCOLO)
    p.set_text_color(70, 70, 70)
    p.cell(larghezza, 6, f"Per chi trascrive: colonna «{colonna}»", align="R",
           new_x="LMARGIN", new_y="NEXT")
    p.set_text_color(0, 0, 0)


def _campo(p: FPDF, campo: CampoCarta, larghezza: float) -> None:
    altezza_stimata = 20 + (len(campo.scelte) * 9 if campo.scelte else campo.righe * 9)
    if p.get_y() + min(altezza_stimata, 120) > p.h - p.b_margin:
        p.add_page()
    p.set_font("DejaVu", "B", 16)
    p.multi_cell(larghezza, 8, campo.domanda, align="L", new_x="LMARGIN", new_y="NEXT")
    if campo.aiuto:
        p.set_font("DejaVu", "", CORPO)
        p.multi_cell(larghezza, 7, campo.aiuto, align="L", new_x="LMARGIN", new_y="NEXT")
    p.ln(1)
    if campo.scelte:
        p.set_font("DejaVu", "", CORPO)
        for valore, etichetta in campo.scelte:
            if p.get_y() + 9 > p.h - p.b_margin:
                p.add_page()
            y = p.get_y()
            _casella(p, p.l_margin, y + 0.8)
            p.set_x(p.l_margin + 10)
            testo = etichetta if valore in ("sì",) else f"{etichetta}   ({valore})"
            p.multi_cell(larghezza - 10, 7.5, testo, align="L", new_x="LMARGIN", new_y="NEXT")
            p.ln(1.2)
    else:
        p.set_draw_color(120, 120, 120)
        p.set_line_width(0.3)
        for _ in range(campo.righe):
            if p.get_y() + 10 > p.h - p.b_margin:
                p.add_page()
            y = p.get_y() + 9
            p.line(p.l_margin, y, p.l_margin + larghezza, y)
            p.set_y(y)
        p.ln(1)
    _nota_colonna(p, campo.colonna, larghezza)
    p.ln(4)


def scrivi_modulo(percorso: Path, versione_consenso: str, *, titolo_progetto: str = TITOLO_PROGETTO,
                  associazioni: Sequence[str] = ()) -> None:
    """Write the paper form: the import columns as questions, then the consent text of ``versione_consenso``."""
    informativa = testo_consenso(versione_consenso)
    if informativa is None:
        raise ErroreStampa(f"nessun testo di consenso per la versione {versione_consenso!r}")
    pdf = _documento(f"{titolo_progetto} – modulo di carta")
    p = pdf
    p.add_page()
    larghezza = p.w - p.l_margin - p.r_margin
    p.set_font("DejaVu", "B", 24)
    p.multi_cell(larghezza, 11, "Racconta com'è stato per te il tempo della pandemia", align="L", new_x="LMARGIN",
                 new_y="NEXT")
    p.set_font("DejaVu", "", CORPO)
    p.multi_cell(larghezza, 7, f"«{titolo_progetto}». Non ti chiediamo il nome. Solo il racconto e il consenso "
                 "sono obbligatori; tutto il resto è facoltativo. Scrivi in stampatello se puoi.",
                 align="L", new_x="LMARGIN", new_y="NEXT")
    p.ln(4)
    for campo in CAMPI_MODULO:
        if campo.colonna == "associazione" and associazioni:
            elenco = "; ".join(associazioni)
            campo = CampoCarta(campo.colonna, campo.domanda, f"{campo.aiuto} Associazioni del distretto: {elenco}.",
                               righe=campo.righe)
        _campo(p, campo, larghezza)

    p.add_page()
    p.set_font("DejaVu", "B", 20)
    p.multi_cell(larghezza, 10, "Il tuo consenso (obbligatorio)", align="L", new_x="LMARGIN", new_y="NEXT")
    p.ln(2)
    y = p.get_y()
    _casella(p, p.l_margin, y + 0.8)
    p.set_x(p.l_margin + 10)
    p.set_font("DejaVu", "B", CORPO)
    p.multi_cell(larghezza - 10, 7.5, f"Ho letto l'informativa (versione {versione_consenso}) e acconsento al "
                 "trattamento del mio racconto per il Piano di Zona.", align="L", new_x="LMARGIN", new_y="NEXT")
    p.set_font("DejaVu", "", PICCOLO)
    p.set_text_color(70, 70, 70)
    p.multi_cell(larghezza, 6, "Per chi trascrive: senza questa croce il racconto non si inserisce. I moduli con "
                 f"la croce si importano con «narrazioni importa FILE --consenso {versione_consenso}».",
                 align="L", new_x="LMARGIN", new_y="NEXT")
    p.set_text_color(0, 0, 0)
    p.ln(5)
    p.set_font("DejaVu", "", 13)
    for paragrafo in informativa.strip().split("\n\n"):
        p.multi_cell(larghezza, 6.5, " ".join(paragrafo.split()), markdown=True, align="L", new_x="LMARGIN",
                     new_y="NEXT")
        p.ln(2.5)
    p.ln(2)
    p.set_font("DejaVu", "B", CORPO)
    p.multi_cell(larghezza, 7, "Vuoi poter ritirare il tuo racconto? Chiedi a chi raccoglie il modulo il codice "
                 "ricevuta: te lo consegna quando inserisce il racconto. Conservalo.", align="L",
                 new_x="LMARGIN", new_y="NEXT")
    p.ln(3)
    p.cell(larghezza, 10, "Codice ricevuta: ______________________________", new_x="LMARGIN", new_y="NEXT")
    _salva(p, percorso)
