"""Evidence for a name on one token: its kind from the lists (first name, surname, KIND name, ambiguous,
ordinary word, unknown word) with its score alone, and the cue words right before it (titles, kinship,
"mi chiamo")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analisi.anonimizzazione.nomi.parole import (
    _CON_VIRGOLETTE,
    _DEBOLI_AGGETTIVI,
    _TITOLI_MATERIA,
    ABBREVIAZIONI,
    AMBIGUO,
    COGNOME,
    DEBOLI,
    ELISI,
    FRASI_PRIMA,
    IGNOTO,
    KIND,
    NO,
    NOME,
    PARENTELA,
    PAROLA_COMUNE,
    POSSESSIVI,
    RUOLI,
    RUOLI_PLURALI,
    TITOLI,
    Parole,
    _cammello,
    _iniziale,
)
from analisi.anonimizzazione.risorse import Lessico

_FINE_FRASI_PRIMA = frozenset(f[-1] for f in FRASI_PRIMA)


class IndiziNomi:
    """What the lists and the words before it say about one token (:class:`RegoleNomi` builds on it)."""

    def __init__(self, lessico: Lessico) -> None:
        self.lx = lessico
        self._noto_cache: dict[str, bool] = {}

    def _noto(self, bassa: str, norma: str | None = None) -> bool:
        """Whether a lower-case word is an ordinary (Italian or common English) word."""
        voc = self.lx.vocabolario
        return bassa in voc or (norma is not None and norma in voc)

    def tipo(self, p: Parole, i: int, iniziale: bool, maiuscolo: bool) -> tuple[int, float]:
        """Kind of token ``i`` and its score as a name on its own."""
        t = p.testi[i]
        n = p.norme[i]
        lx = self.lx
        if t.isdigit() or len(t) < 2 or n in lx.non_nomi or n in TITOLI or n in ELISI:
            return NO, 0.0
        if not t.isascii() and n != t.lower() and t.lower() not in lx.nomi_accentati and self._noto(t.lower()):
            return PAROLA_COMUNE, 0.0  # "Sarà" is not "Sara", "Papà" is not "Papa"
        if n in lx.nomi:
            if t.isupper() and not maiuscolo and n in lx.nomi_deboli:
                return NO, 0.0  # "IVA", "IBAN": acronyms that some list also has as a name
            return NOME, 0.8 if iniziale else 0.9
        if n in lx.cognomi:
            return COGNOME, 0.5 if iniziale else 0.8
        if n in lx.ambigui:
            return AMBIGUO, 0.0
        if _cammello(t) and not re.match(r"^(?:Mc|Mac|O|De|Di|Da|La|Le|Lo)[A-Z][a-z]+$", t):
            return NO, 0.0  # camel case: brands and glued words ("PlayStation", "RomagnaLocalità")
        forma = t if not t.isupper() else t.capitalize()
        quota, volte = lx.kind.get(forma, (0.0, 0))
        noto = self._noto(t.lower(), n)
        if quota >= 0.5:
            if not noto:
                return KIND, 0.75 if iniziale else 0.85
            if quota >= 0.8 and volte >= 3 and not iniziale:
                return KIND, 0.7
        if t.isupper() and not maiuscolo:
            return NO, 0.0  # an acronym in a normal text ("IT", "ACER")
        if noto or len(n) < 3:
            return PAROLA_COMUNE, 0.0
        return IGNOTO, 0.0 if iniziale else 0.45

    def _contesto(self, p: Parole, i: int) -> tuple[bool, bool]:
        """(strong cue, weak cue) right before token ``i`` (only spaces or a comma in between)."""
        if i == 0:
            return False, False
        spazio = p.spazio_prima(i)
        virgolette = spazio.strip() in ('"', "«", "“", "'") and p.norme[i - 1] in _CON_VIRGOLETTE
        if (spazio.strip(" ,\t") or "\n" in spazio) and not virgolette:
            if not (spazio.strip() in (".", ". ") and p.norme[i - 1] in ABBREVIAZIONI):
                return False, False
            if p.norme[i - 1] == "prof" and p.norme[i] in self.lx.comuni:
                return False, False  # "ai miei prof. Secondo me": the period ended the sentence
        prec = p.norme[i - 1]
        if (
            prec
            in (
                "grande",
                "piccolo",
                "piccola",
                "maggiore",
                "minore",
                "mezzano",
                "mezzana",
                "adorato",
                "adorata",
                "amato",
                "amata",
                "caro",
                "cara",
            )
            and i >= 2
            and p.norme[i - 2] in PARENTELA
            and p.spazio_prima(i - 1) == " "
        ):
            return True, False  # "la mia figlia grande Salma"
        if prec in ("ssa", "ra") and i >= 2 and p.norme[i - 2] in ("dott", "sig", "prof"):
            return True, False
        if (
            i >= 3
            and p.norme[i - 2] == "di"
            and p.norme[i - 3] in _TITOLI_MATERIA
            and spazio == " "
            and p.spazio_prima(i - 1) == " "
            and p.spazio_prima(i - 2) == " "
            and p.testi[i - 1].islower()
        ):
            return True, False  # "la prof di mate bertolini", "la maestra di inglese Rossi"
        if prec in _DEBOLI_AGGETTIVI and i >= 2 and p.norme[i - 2] in POSSESSIVI and p.spazio_prima(i - 1) == " ":
            return True, False  # "la mia vicina Ellen", "il nostro piccolo Yusuf"
        if prec in ("on", "sen") and "." not in spazio:
            return False, False  # "on." is "onorevole", "on Saturday" is English
        if prec in TITOLI or prec in RUOLI or prec in PARENTELA:
            return True, False
        if prec in RUOLI_PLURALI and p.testi[i][:1].isupper():
            return True, False
        if (
            prec in ("di", "del", "della", "dei")
            and i >= 2
            and p.spazio_prima(i - 1) == " "
            and p.norme[i - 2] in PARENTELA
        ):
            return False, True  # "la mamma di Chiara", "il marito della Gemma": a name, if it looks like one
        if prec in _FINE_FRASI_PRIMA:  # (a cue phrase ends with the word before: most words end none)
            for frase in FRASI_PRIMA:
                k = len(frase)
                if i >= k and tuple(p.norme[i - k : i]) == frase:
                    return True, False
        return False, prec in DEBOLI

    def _coda_di_nome_proprio(self, p: Parole, i: int, protetti: Sequence[str | None]) -> bool:
        """Whether token ``i`` follows, after one space, a capitalised ordinary word that is no name of any
        list ("Central Park", "Regina Coeli"), rather than a first name ("Pio Tadesse") or a placeholder."""
        if i == 0 or p.spazio_prima(i) != " " or _iniziale(p, i - 1):
            return False
        t = p.testi[i - 1]
        if not t[0].isupper() or t.isupper() or p.norme[i - 1] in self.lx.nomi_tutti:
            return False
        prot = protetti[i - 1]
        if prot is not None:
            return not prot.startswith("segnaposto")
        return self.tipo(p, i - 1, False, False)[0] in (PAROLA_COMUNE, NO)
