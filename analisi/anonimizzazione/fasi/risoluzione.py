"""Phase: one span per stretch of text: identifiers first, then longer and surer spans; adjacent names
merged ("Giulia" + "Rossi"), titles written inside a name taken in ("don Giussani"), epithets joined
("Isabella di Castiglia")."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence

from analisi.anonimizzazione.fasi.base import BaseAnonimizzatore
from analisi.anonimizzazione.nomi.parole import (
    STRUTTURE,
    Parole,
)
from analisi.anonimizzazione.risorse import lessico, normalizza
from analisi.anonimizzazione.tipi import FONTE_SCUOLA, STRUTTURATE, Candidato

# Resolution order: validated identifiers first, then the spans that contain names (addresses, schools).
_LIVELLO = {label: 0 for label in STRUTTURATE}
_LIVELLO.update({"INDIRIZZO": 1, "DATA_NASCITA": 1, "ETA": 2, "PERSONA": 3, "ORGANIZZAZIONE": 4, "LUOGO": 5})


def _risolvi(candidati: list[Candidato], testo: str) -> list[Candidato]:
    """Non-overlapping spans: identifiers first, then longer and surer spans; adjacent names merged."""
    ordinati = sorted(candidati, key=lambda c: (_livello(c), -c.lunghezza, -c.score))
    scelti: list[Candidato] = []
    for c in ordinati:
        if c.end <= c.start:
            continue
        sovrapposti = [s for s in scelti if c.start < s.end and s.start < c.end]
        if sovrapposti:
            if c.label not in ("PERSONA", "LUOGO", "ORGANIZZAZIONE") or c.fonte == FONTE_SCUOLA:
                continue
            resto = _resto(c, sovrapposti, testo)  # "Giulia IT60 X054...": the name outside the IBAN counts
            if resto is None or any(resto.start < s.end and s.start < resto.end for s in scelti):
                continue
            c = resto
        scelti.append(c)
    scelti.sort(key=lambda c: c.start)
    return _unisci_persone(scelti, testo, lessico().nomi)


def _resto(c: Candidato, sovrapposti: Sequence[Candidato], testo: str) -> Candidato | None:
    """The longest part of a name span outside the spans already chosen, if it still holds a word."""
    libero = [True] * c.lunghezza
    for s in sovrapposti:
        for k in range(max(s.start, c.start), min(s.end, c.end)):
            libero[k - c.start] = False
    migliore: tuple[int, int] | None = None
    k = 0
    while k < len(libero):
        if libero[k]:
            j = k
            while j < len(libero) and libero[j]:
                j += 1
            if migliore is None or j - k > migliore[1] - migliore[0]:
                migliore = (k, j)
            k = j
        else:
            k += 1
    if migliore is None:
        return None
    inizio, fine = c.start + migliore[0], c.start + migliore[1]
    while inizio < fine and not testo[inizio].isalnum():
        inizio += 1
    while fine > inizio and not testo[fine - 1].isalnum():
        fine -= 1
    if sum(ch.isalpha() for ch in testo[inizio:fine]) < 2:
        return None
    return Candidato(inizio, fine, c.label, c.score, c.fonte, c.forte)


def _livello(c: Candidato) -> int:
    if c.fonte == FONTE_SCUOLA:
        return 1
    return _LIVELLO.get(c.label, 6)


_PREP_EPITETO = frozenset(("di", "del", "della", "dei", "degli", "d"))
_ROMANO = re.compile(r"^[IVX]+$")

#: what may separate a first name from its surname inside one name ("Arturo di Corinto", "Maria De Luca")
_GIUNTA_NOME = re.compile(r"[ \u00a0](?:di|de|del|della|dei|degli|van|von|de la) ")
#: a title written inside the name, as KIND annotates it ("don Giussani", "Sir Elton John")
_TITOLO_DENTRO = re.compile(r"(?:^|(?<=[\s(«\"“]))(?:[Dd]on|Sir) $")


def _unisci_persone(scelti: list[Candidato], testo: str, nomi: frozenset[str]) -> list[Candidato]:
    """ "Giulia" + "Rossi" found by two rules become one name when only a space (or a surname particle:
    "Arturo di Corinto") separates them; "don" before a name is part of it."""
    out: list[Candidato] = []
    for c in scelti:
        if c.label == "PERSONA":
            m = _TITOLO_DENTRO.search(testo, max(0, c.start - 5), c.start)
            if m and (not out or out[-1].end <= m.start()):
                c = Candidato(m.start(), c.end, "PERSONA", c.score, c.fonte, c.forte)
        if out and c.label == "PERSONA" and out[-1].label == "PERSONA":
            prec = out[-1]
            tra = testo[prec.end : c.start]
            giunta = (
                _GIUNTA_NOME.fullmatch(tra) is not None
                and testo[c.start].isupper()
                and normalizza(testo[c.start : c.end].split()[0]) not in nomi  # "Maria di Giorgio": two people
            )
            if 0 < len(tra) <= 1 or giunta:
                out[-1] = Candidato(
                    prec.start, c.end, "PERSONA", max(prec.score, c.score), prec.fonte, prec.forte or c.forte
                )
                continue
        out.append(c)
    return out


#: initials next to a name belong to it: "L. Kunschak", "J. R. Tolkien", "Pier Luigi B."
_INIZIALI_PRIMA = re.compile(r"(?<![\w.])(?:[A-Z]\. ?){1,3}$")
_INIZIALE_DOPO = re.compile(r" [A-Z]\.(?![\w.])")


def _con_iniziali(scelti: list[Candidato], testo: str, nome_sicuro: Callable[[str], bool]) -> list[Candidato]:
    """Persons widened over the initials written right before or after them (one space apart). Before a name
    only when its first word is surely a name (``nome_sicuro``): in "di serie B. Sarebbe" the period ends a
    sentence."""
    out: list[Candidato] = []
    for k, c in enumerate(scelti):
        if c.label == "PERSONA":
            inizio, fine = c.start, c.end
            limite = out[-1].end if out else 0
            prima = _INIZIALI_PRIMA.search(testo[max(limite, inizio - 9) : inizio])
            if prima and testo[inizio - 1] == " " and nome_sicuro(testo[inizio:fine].split()[0]):
                inizio -= len(prima.group())
            seguente = scelti[k + 1].start if k + 1 < len(scelti) else len(testo)
            if fine + 3 <= seguente and _INIZIALE_DOPO.match(testo, fine):
                fine += 3
            elif (fine < seguente and testo.startswith(".", fine) and fine - inizio >= 3 and testo[fine - 1].isupper()
                  and testo[fine - 2] == " "):
                fine += 1  # "Pier Luigi B" found without its period
            if (inizio, fine) != (c.start, c.end):
                c = Candidato(inizio, fine, c.label, c.score, c.fonte, c.forte)
        out.append(c)
    return out


class FaseRisoluzione(BaseAnonimizzatore):
    """Epithets after a chosen name."""

    def _epiteti(self, scelti: list[Candidato], p: Parole, protetti_tok: Sequence[str | None]) -> list[Candidato]:
        """A first name (or a sovereign's numeral) followed by "di"/"del"/"d'" and a capitalised name takes it
        in: "Isabella di Castiglia", "Federico II di Svevia", "Andrea del Sarto", "Jacopo da Lentini"."""
        out: list[Candidato] = []
        salta = -1
        for k, c in enumerate(scelti):
            if k == salta:
                continue
            if c.label == "PERSONA":
                ultimo = bisect_left(p.fini, c.end)
                if ultimo < len(p) and p.fini[ultimo] == c.end and ultimo + 2 < len(p):
                    fine = self._fine_epiteto(p, ultimo, protetti_tok)
                    dopo = scelti[k + 1] if k + 1 < len(scelti) else None
                    if fine is not None and dopo is not None and dopo.start < fine:
                        # the place or name after "di" was found on its own ("Castiglia"): it joins
                        if dopo.start == p.inizi[ultimo + 2] and dopo.label in ("PERSONA", "LUOGO", "ORGANIZZAZIONE"):
                            fine = max(fine, dopo.end)
                            salta = k + 1
                        else:
                            fine = None
                    if fine is not None:
                        c = Candidato(c.start, fine, c.label, c.score, c.fonte, c.forte)
            out.append(c)
        return _con_iniziali(out, p.testo, self._nome_sicuro)

    def _nome_sicuro(self, parola: str) -> bool:
        """A listed first name or surname, or a word no list knows ("Kunschak"), not an ordinary word."""
        norma = normalizza(parola)
        lx = self._lessico
        return norma in lx.nomi or norma in lx.cognomi or not self._regole._noto(parola.lower(), norma)

    def _fine_epiteto(self, p: Parole, ultimo: int, protetti_tok: Sequence[str | None]) -> int | None:
        nome = p.norme[ultimo]
        if not (nome in self._lessico.nomi or _ROMANO.match(p.testi[ultimo])):
            return None
        prep = ultimo + 1
        if p.norme[prep] not in _PREP_EPITETO or p.spazio_prima(prep) != " ":
            return None
        if p.spazio_prima(prep + 1) not in ((" ",) if p.norme[prep] != "d" else ("'", "’")):
            return None
        j = prep + 1
        if p.norme[j] in self._lessico.nomi:
            return None  # "Sofia di Giulia": two people
        # a place after a plain first name is where the person lives ("Lina di Vignola"): it stays in clear;
        # after a sovereign's numeral it is part of the name ("Federico II di Svevia")
        luogo_ammesso = _ROMANO.match(p.testi[ultimo]) is not None
        fine = None
        while j < len(p) and j <= prep + 2:
            t = p.testi[j]
            prot = protetti_tok[j]
            if not t[0].isupper() or t.isupper() or (prot is not None and not (prot == "luogo" and luogo_ammesso)):
                break
            if p.norme[j] in STRUTTURE:
                break  # "Laura della Farmacia Centrale": her workplace, not her name
            if j > prep + 1 and p.spazio_prima(j) != " ":
                break
            fine = p.fini[j]
            j += 1
        return fine
