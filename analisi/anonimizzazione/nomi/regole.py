"""The name rules of one text: one pass over the tokens (capitalised runs, lower-case names), then names
listed next to a name ("Gina e Mick") and every other mention of a name found (:meth:`RegoleNomi.propaga`)."""

from __future__ import annotations

from collections.abc import Sequence

from analisi.anonimizzazione.nomi.gruppi import GruppiNomi
from analisi.anonimizzazione.nomi.minuscoli import NomiMinuscoli
from analisi.anonimizzazione.nomi.parole import (
    _PREPOSIZIONI,
    AMBIGUO,
    COGNOME,
    ELISI,
    IGNOTO,
    KIND,
    NO,
    NOME,
    PAROLA_COMUNE,
    PARTICELLE_MAIUSC,
    STRUTTURE,
    TITOLI,
    Parole,
    _cammello,
    _iniziale,
    _santo,
    _stile,
    stile_chat,
)
from analisi.anonimizzazione.risorse import PAROLA, normalizza
from analisi.anonimizzazione.tipi import Candidato


class RegoleNomi(GruppiNomi, NomiMinuscoli):
    """Find person-name candidates in one text with the lists of a :class:`Lessico`."""

    def trova(self, p: Parole, protetti: Sequence[str | None]) -> list[Candidato]:
        """Person candidates; ``protetti[i]`` is ``"luogo"``/``"istituzione"``/... for allow-listed tokens."""
        n = len(p)
        if n == 0:
            return []
        maiuscolo, minuscolo = _stile(p, protetti)
        chat = stile_chat(p)
        out: list[Candidato] = []
        i = 0
        while i < n:
            t = p.testi[i]
            prot = protetti[i]
            maiuscola = t[0].isupper() and not t.isdigit()
            if not maiuscola:
                norma = p.norme[i]
                if norma not in self.lx.nomi and norma not in self.lx.kind_minuscoli:
                    c = None
                    if minuscolo or chat:
                        c = self._ignoto_minuscolo(p, i, protetti) if minuscolo else None
                        c = c or self._nome_chat(p, i, protetti)
                    c = c or self._ignoto_dopo_contesto(p, i, protetti)
                    if c is not None:
                        out.append(c)
                    i += 1
                    continue
                c = self._minuscolo(p, i, minuscolo, protetti) or (self._nome_chat(p, i, protetti) if chat else None)
                if c is not None:
                    out.append(c)
                    i = self._indice_dopo(p, c.end, i)
                    continue
                i += 1
                continue
            if prot is not None and prot != "luogo":
                i += 1
                continue
            gruppo = self._gruppo(p, i, protetti, maiuscolo)
            if not gruppo:
                i += 1
                continue
            c = self._valuta(p, gruppo, protetti, maiuscolo)
            if c is not None:
                out.append(c)
            i = gruppo[-1][0] + 1
        return out

    @staticmethod
    def _indice_dopo(p: Parole, fine: int, i: int) -> int:
        while i < len(p) and p.inizi[i] < fine:
            i += 1
        return i

    def elenchi(self, p: Parole, persone: Sequence[Candidato], protetti: Sequence[str | None]) -> list[Candidato]:
        """A capitalised word listed next to a name is a name: "Nibali, Visconti, Pozzato", "Gina e Mick"."""
        if len(persone) < 1:
            return []
        fini = {c.end for c in persone if c.label == "PERSONA"}
        inizi = {c.start for c in persone if c.label == "PERSONA"}
        coperti = sorted((c.start, c.end) for c in persone)
        out = []
        for i, t in enumerate(p.testi):
            if not t[0].isupper() or t.isupper() or protetti[i] is not None or _iniziale(p, i):
                continue
            s = p.inizi[i]
            if any(a <= s < b for a, b in coperti):
                continue
            tipo = self.tipo(p, i, False, False)[0]
            if tipo == NO and _cammello(t):
                tipo = PAROLA_COMUNE  # "Warren Buffett, XXXTentacion, Floyd Mayweather": only between two names
            if tipo not in (PAROLA_COMUNE, AMBIGUO, IGNOTO, COGNOME, KIND, NOME):
                continue
            if self._coda_di_nome_proprio(p, i, protetti):
                continue  # the tail of a proper noun: "Central Park", "Free Software", "Progetto Lambrate"
            virgola_sx = i > 0 and p.spazio_prima(i) in (", ", " / ", "/") and p.fini[i - 1] in fini
            e_sx = i > 1 and p.norme[i - 1] in ("e", "ed") and p.spazio_prima(i) == " " and p.fini[i - 2] in fini
            virgola_dx = i + 1 < len(p) and p.spazio_prima(i + 1) in (", ", " / ", "/") and p.inizi[i + 1] in inizi
            e_dx = (
                i + 2 < len(p)
                and p.norme[i + 1] in ("e", "ed")
                and p.spazio_prima(i + 2) == " "
                and p.inizi[i + 2] in inizi
            )
            # a comma may be an apposition ("il presidente di Codacons, Carlo Rienzi"): an ordinary word
            # counts only between two names, or joined to one by "e"
            if tipo == PAROLA_COMUNE:
                ok = ((virgola_sx or e_sx) and (virgola_dx or e_dx)) or e_sx or e_dx
            else:
                ok = (
                    virgola_sx
                    or e_sx
                    or e_dx
                    or (virgola_dx and not (i > 0 and p.norme[i - 1] in _PREPOSIZIONI and p.spazio_prima(i) == " "))
                )
            if ok:
                out.append(Candidato(s, p.fini[i], "PERSONA", 0.6, "contesto:elenco"))
        gia = {c.start for c in out}
        coperti_ora = sorted([*coperti, *((c.start, c.end) for c in out)])
        out.extend(c for c in self._elenco_di_nomi(p, coperti_ora, protetti) if c.start not in gia)
        return out

    def _elenco_di_nomi(
        self, p: Parole, coperti: Sequence[tuple[int, int]], protetti: Sequence[str | None]
    ) -> list[Candidato]:
        """A list of single capitalised words, comma-separated, most of them names found: the others are names
        too, ordinary words ("Fanfani, Moro, Rumor, Andreotti") and the first one at a line start included."""
        n = len(p)
        out: list[Candidato] = []
        i = 0
        while i < n:
            if not (p.testi[i][0].isupper() and p.testi[i].isalpha()):
                i += 1
                continue
            membri = [i]
            while (
                membri[-1] + 1 < n
                and p.spazio_prima(membri[-1] + 1) == ", "
                and p.testi[membri[-1] + 1][0].isupper()
                and p.testi[membri[-1] + 1].isalpha()
            ):
                membri.append(membri[-1] + 1)
            i = membri[-1] + 1
            if len(membri) < 3:
                continue
            trovati = [k for k in membri if any(a <= p.inizi[k] < b for a, b in coperti)]
            if len(trovati) < 2 or 2 * len(trovati) < len(membri):
                continue
            for k in membri:
                if k in trovati or p.testi[k].isupper():
                    continue
                prot = protetti[k]
                if prot is None or (prot == "luogo" and len(trovati) >= 3):
                    out.append(Candidato(p.inizi[k], p.fini[k], "PERSONA", 0.6, "contesto:elenco"))
        return out

    def propaga(self, p: Parole, persone: Sequence[Candidato], protetti: Sequence[str | None]) -> list[Candidato]:
        """Every other occurrence in the story of a name already found (also "Rossi" after "Giulia Rossi")."""
        if not persone:
            return []
        forme: dict[str, bool] = {}  # norm -> may match lower case
        superfici: set[str] = set()  # the seeds as written, lower-cased ("sara" never matches "sarà")
        punteggi: dict[str, float] = {}
        # a surname that is also a function word ("Lucio Dalla", "Mario Della"): its other mentions are
        # masked only where a capital proves a name, inside a sentence ("la scomparsa di Dalla"), never
        # where it opens one ("Dalla finestra...")
        solo_dentro: set[str] = set()
        coperti = []
        for c in persone:
            coperti.append((c.start, c.end))
            parole = list(PAROLA.finditer(p.testo, c.start, c.end))
            for k, m in enumerate(parole):
                norma = normalizza(m.group())
                if (
                    (norma in self.lx.non_nomi or norma in PARTICELLE_MAIUSC)
                    and k == len(parole) - 1
                    and k > 0
                    and c.score >= 0.5
                    and m.group()[0].isupper()
                    and len(norma) >= 4
                    and normalizza(parole[k - 1].group()) in self.lx.nomi
                ):
                    solo_dentro.add(norma)
                    forme.setdefault(norma, False)
                    superfici.add(m.group().lower())
                    punteggi[norma] = max(punteggi.get(norma, 0.0), min(c.score, 0.85))
                    continue
                if (
                    len(norma) < 2
                    or norma in PARTICELLE_MAIUSC
                    or norma in TITOLI
                    or norma in self.lx.non_nomi
                    or norma in ELISI
                ):
                    continue
                ambiguo = norma in self.lx.ambigui or self._noto(norma)
                # a name the story itself writes in lower case ("sara: te la mando") is masked in lower case too
                minuscola = m.group()[0].islower() and c.score >= 0.55
                forme[norma] = forme.get(norma, False) or not ambiguo or minuscola
                superfici.add(m.group().lower())
                punteggi[norma] = max(punteggi.get(norma, 0.0), min(c.score, 0.85))
        if not forme:
            return []
        coperti.sort()
        out = []
        k = 0
        for i, norma in enumerate(p.norme):
            minuscolo_ok = forme.get(norma)
            if minuscolo_ok is None:
                continue
            s, e = p.inizi[i], p.fini[i]
            while k < len(coperti) and coperti[k][1] <= s:
                k += 1
            if k < len(coperti) and coperti[k][0] <= s < coperti[k][1]:
                continue
            t = p.testi[i]
            if not t[0].isupper() and (not minuscolo_ok or t.lower() not in superfici):
                continue
            if norma in solo_dentro and (
                _iniziale(p, i)
                or t.isupper()
                or (i + 1 < len(p) and p.testi[i + 1][0].isupper() and p.spazio_prima(i + 1) == " ")
            ):
                continue  # "Dalla finestra", "DALLA", and "Dalla Chiesa": the particle of another name
            if protetti[i] not in (None, "luogo"):
                continue
            if i > 0 and protetti[i - 1] is None and _santo(p, i - 1) and p.spazio_prima(i) in (" ", "'", "’", ". "):
                continue
            if i > 0 and p.norme[i - 1] in STRUTTURE and p.spazio_prima(i) == " " and t[0].isupper():
                continue  # "il ponte Morandi" after "Morandi" the engineer
            out.append(Candidato(s, e, "PERSONA", punteggi[norma], "propagazione", forte=True))
        return out
