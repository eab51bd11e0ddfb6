"""Codes and documents: codice fiscale, IBAN, partita IVA, tessera sanitaria, number plates.

The pattern is lenient and the checksum decides the score (see the package docstring)."""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.it import codicefiscale

from analisi.anonimizzazione.tipi import Candidato

# ------------------------------------------------------------------------------------- codice fiscale
_OMO = "[0-9LMNPQRSTUV]"
CODICE_FISCALE = re.compile(
    rf"\b(?<![A-Za-z0-9])[A-Z]{{3}}[ ]?[A-Z]{{3}}[ ]?{_OMO}{{2}}[A-Z]{_OMO}{{2}}[ ]?[A-Z]{_OMO}{{3}}[A-Z]"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_MESI_CF = set("ABCDEHLMPRST")


def trova_codici_fiscali(testo: str) -> list[Candidato]:
    """Personal codici fiscali: lenient pattern (spaces, lower case, omocodia) plus the check character.

    The birthplace code and the birth date are never checked, so omocodia and rare codes always pass.
    """
    out = []
    for m in CODICE_FISCALE.finditer(testo):
        codice = m.group().replace(" ", "").upper()
        if codicefiscale.calc_check_digit(codice[:15]) == codice[15]:
            out.append(Candidato(m.start(), m.end(), "CODICE_FISCALE", 0.99, "regex:cf"))
        elif codice[8] in _MESI_CF:
            out.append(Candidato(m.start(), m.end(), "CODICE_FISCALE", 0.45, "regex:cf-controllo-errato"))
    return out


# ------------------------------------------------------------------------------------------------ IBAN
IBAN = re.compile(r"\b(?<![A-Za-z0-9])[A-Z]{2}[ ]?\d{2}(?:[ ]?[A-Z0-9]){11,30}", re.IGNORECASE)
_IBAN_IT = re.compile(r"^(?:IT|SM)\d{2}[A-Z]\d{10}[A-Z0-9]{12}$")


def trova_iban(testo: str) -> list[Candidato]:
    """IBANs of any country (ISO 7064 check); an Italian-shaped IBAN with a wrong check is still masked."""
    out = []
    pos = 0
    while True:
        m = IBAN.search(testo, pos)
        if m is None:
            break
        pos = m.start() + 2  # the match may swallow a second IBAN written right after: search again
        frammento = m.group()
        compatto = frammento.replace(" ", "").upper()
        if sum(c.isdigit() for c in compatto) < 10:
            continue  # "ha 12 anni e 3 figli" has the shape, not the digits, of an IBAN
        trovato = None
        for n in range(min(len(compatto), 34), 14, -1):
            if stdnum_iban.is_valid(compatto[:n]):
                trovato = (n, 0.99, "regex:iban")
                break
        if trovato is None and _IBAN_IT.match(compatto[:27]):
            trovato = (27, 0.45, "regex:iban-controllo-errato")
        if trovato is None:
            continue
        n, score, fonte = trovato
        visti = 0
        fine = m.start()
        for i, c in enumerate(frammento):  # map n non-space characters back onto the original span
            if c != " ":
                visti += 1
                if visti == n:
                    fine = m.start() + i + 1
                    break
        if re.match(r"[A-Za-z0-9]", testo[fine : fine + 1]):
            continue  # the valid prefix ends inside a word: not an IBAN
        out.append(Candidato(m.start(), fine, "IBAN", score, fonte))
        pos = fine
    return out


# ------------------------------------------------------------------------------ partita IVA, tessera
PARTITA_IVA = re.compile(
    r"(?=[I\d])(?<![\w.,/-])(?:IT[ ]?)?\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}(?![\w]|[.,/-]\d)"
)
CONTESTO_PIVA = re.compile(
    r"(?:p\.?\s?iva|partita\s+iva|\bp\.\s?i\.|\bc\.?\s?f\.|codice\s+fiscale|\bvat\b)", re.IGNORECASE
)
TESSERA = re.compile(r"(?=8)(?<![\w])80[ -]?380(?:[ -]?\d){15}(?![\d])")


def trova_partite_iva(testo: str) -> list[Candidato]:
    """11-digit partite IVA (and numeric codici fiscali of bodies): check digit, or the words around."""
    out = []
    for m in PARTITA_IVA.finditer(testo):
        cifre = re.sub(r"\D", "", m.group())
        contesto = bool(CONTESTO_PIVA.search(testo, max(0, m.start() - 30), m.start()))
        if luhn.is_valid(cifre) and cifre[:7] != "0000000":
            # the check digit only: the office code (digits 8-10) is not checked, new offices appear
            out.append(Candidato(m.start(), m.end(), "PARTITA_IVA", 0.995 if contesto else 0.9, "regex:piva"))
        elif contesto:
            out.append(Candidato(m.start(), m.end(), "PARTITA_IVA", 0.45, "regex:piva-controllo-errato"))
    return out


def trova_tessere(testo: str) -> list[Candidato]:
    """Tessera sanitaria (TEAM) card numbers: 20 digits starting with 80 380."""
    return [
        Candidato(m.start(), m.end(), "TESSERA_SANITARIA", 0.99, "regex:tessera")
        for m in TESSERA.finditer(testo)
    ]


# ------------------------------------------------------------------------------------------------ plates
_TL = "[A-HJ-NPR-Z]"
TARGA = re.compile(rf"(?=[A-Z])(?<![\w-]){_TL}{{2}}[ -]?\d{{3}}[ -]?{_TL}{{2}}(?![\w-])")
TARGA_CONTESTO = re.compile(
    r"\btarg(?:a|ata|ato|he)\b[^\n.;]{0,15}?\b([A-Z]{2}[ -]?[A-Z0-9]{4,6}|[A-Z0-9]{5,8})\b", re.IGNORECASE
)


def trova_targhe(testo: str) -> list[Candidato]:
    """Italian car plates (AA 123 BB), and older or foreign ones right after the word "targa"."""
    out = [Candidato(m.start(), m.end(), "TARGA", 0.95, "regex:targa") for m in TARGA.finditer(testo)]
    for m in TARGA_CONTESTO.finditer(testo):
        valore = m.group(1)
        if sum(c.isdigit() for c in valore) >= 2 and sum(c.isalpha() for c in valore) >= 1:
            out.append(Candidato(m.start(1), m.end(1), "TARGA", 0.85, "regex:targa-contesto"))
    return out
