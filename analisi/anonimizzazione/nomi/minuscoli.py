"""Names written in lower case and chat speakers: "mia figlia giulia", "la rina", "grazie sara",
"robi: domani chi fa il giro"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analisi.anonimizzazione.nomi.indizi import IndiziNomi
from analisi.anonimizzazione.nomi.parole import (
    _DEL,
    _PREPOSIZIONI,
    _PRIMA_DI_MINUSCOLO,
    _PRIMA_DI_NOME_CHAT,
    _SERVIZI,
    ABBREVIAZIONI,
    COSE,
    ELISI,
    PARENTELA,
    PARLANTE,
    RUOLI,
    TITOLI,
    Parole,
)
from analisi.anonimizzazione.risorse import PAROLA, normalizza
from analisi.anonimizzazione.tipi import Candidato


class NomiMinuscoli(IndiziNomi):
    """Lower-case names (chats, texts typed on a phone) and the speakers of a chat transcript."""

    def _ignoto_minuscolo(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """In a text written all in lower case (a chat), an unknown word after an article or "a", "da",
        "con", "ciao" is likely a name: "chiedi a chen", "la bellei", "ah ele". Unsure: it goes to review."""
        if i == 0 or protetti[i] is not None or not p.testi[i].isalpha() or len(p.norme[i]) < 3:
            return None
        if p.norme[i - 1] not in _PRIMA_DI_MINUSCOLO or p.spazio_prima(i) != " ":
            return None
        n = p.norme[i]
        if self._noto(p.testi[i], n) or n in self.lx.non_nomi or n in TITOLI or n in RUOLI or n in PARENTELA:
            return None
        return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.45, "lista:minuscolo")

    def _ignoto_dopo_contesto(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """An unknown lower-case word right after a title or a kinship word: "la prof di mate bertolini",
        "mio cugino ahmed"."""
        t = p.testi[i]
        n = p.norme[i]
        if i == 0 or protetti[i] is not None or not t.isalpha() or len(n) < 3 or not t.islower():
            return None
        if p.spazio_prima(i) != " " or n in ABBREVIAZIONI:
            return None  # "dott.ssa"
        if self._noto(t, n) or n in self.lx.non_nomi or n in TITOLI or n in RUOLI or n in PARENTELA or n in ELISI:
            return None
        if not self._contesto(p, i)[0]:
            return None
        return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.7, "contesto:minuscolo", forte=True)

    def _nome_chat(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """In a chat (lines starting in lower case), a first name that is also a word: after an article or
        "grazie"/"ciao" ("la mina", "dalla nella", "grazie sara"), after a kinship word ("mio figlio
        andrei"), or before "del"/"dello" + a service ("ce l'ha chiesto fede dello spazio giovani")."""
        t = p.testi[i]
        n = p.norme[i]
        lx = self.lx
        if i == 0 or protetti[i] is not None or not t.isalpha() or not t.islower() or len(n) < 3:
            return None
        if t != n or n in lx.non_nomi or not (n in lx.nomi or n in lx.ambigui_nomi):
            return None  # "sarà" is not "Sara"
        prec = p.norme[i - 1]
        if p.spazio_prima(i) != " ":
            return None
        articolo_e_preposizione = n in ("nella", "nello") and prec in _PRIMA_DI_NOME_CHAT  # "la nella del 1°"
        if (prec in _PRIMA_DI_NOME_CHAT or prec in PARENTELA) and (n not in COSE or articolo_e_preposizione):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.55, "contesto:chat")
        if (
            i + 2 < len(p)
            and prec not in _PREPOSIZIONI
            and p.norme[i + 1] in _DEL
            and p.norme[i + 2] in _SERVIZI
            and p.spazio_prima(i + 1) == " "
        ):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.55, "contesto:chat")
        return None

    def _minuscolo(self, p: Parole, i: int, minuscolo: bool, protetti: Sequence[str | None]) -> Candidato | None:
        """Lower-case names: after a strong cue ("mia figlia giulia") or an article ("la rina", "il gianni"),
        or any listed first name in a text written all in lower case."""
        norma = p.norme[i]
        lx = self.lx
        in_lista = norma in lx.nomi or lx.kind.get(p.testi[i].capitalize(), (0.0, 0))[0] >= 0.8
        if not in_lista or protetti[i] is not None or len(norma) < 3 or norma in lx.non_nomi:
            return None
        forte, _ = self._contesto(p, i)
        if norma in lx.comuni and not (forte and p.testi[i] == norma and norma in lx.nomi):
            return None  # a common word, unless a kinship word or a title comes first ("mio figlio andrei")
        if forte:
            fine = p.fini[i]
            if i + 1 < len(p) and p.spazio_prima(i + 1) == " " and p.norme[i + 1] in lx.cognomi:
                fine = p.fini[i + 1]
            return Candidato(p.inizi[i], fine, "PERSONA", 0.75, "contesto:minuscolo", forte=True)
        if (
            norma in lx.nomi
            and i > 0
            and p.norme[i - 1] in ("il", "la", "lo")
            and p.spazio_prima(i) == " "
            and not self._noto(p.testi[i].lower(), norma)
        ):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.65, "contesto:articolo")
        if minuscolo and norma in lx.nomi and not self._noto(p.testi[i].lower(), norma):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.6, "lista:minuscolo")
        return None

    def parlanti(self, p: Parole) -> list[Candidato]:
        """Speakers of a chat transcript ("robi: domani chi fa il giro", "[12/03, 08:14] Anto: ok").

        Only when at least two lines look like ``label: message`` and the label is a name or an unknown
        word; a label that is an ordinary word ("Sito:", "Autore:", "Nota:") is not a speaker.
        """
        testo = p.testo
        if testo.count(":") < 2:
            return []
        righe = list(PARLANTE.finditer(testo))
        if len(righe) < 2:
            return []
        out = []
        for m in righe:
            if m.group("nome").isupper():
                continue  # "OMC: il direttore...": a headline, not a speaker
            parole = list(PAROLA.finditer(testo, m.start("nome"), m.end("nome")))
            tenute: list[re.Match[str]] = []
            for k, w in enumerate(parole):
                norma = normalizza(w.group())
                if norma in TITOLI or norma in ABBREVIAZIONI:
                    tenute = []
                    continue
                nome = norma in self.lx.nomi or norma in self.lx.ambigui or norma in self.lx.cognomi
                ignoto = not self._noto(w.group().lower(), norma) and len(norma) >= 3
                if nome or ignoto or (k > 0 and len(norma) == 1 and tenute):
                    tenute.append(w)
                else:
                    break
            if tenute:
                out.append(Candidato(tenute[0].start(), tenute[-1].end(), "PERSONA", 0.75, "contesto:chat"))
        # a transcript: some speaker speaks at least twice
        etichette = [normalizza(testo[c.start : c.end]) for c in out]
        return out if len(etichette) > len(set(etichette)) else []
