"""Phase: what the rules must not call a name, and which candidates to drop: the allow-list (places,
institutions, associations, public figures) and placeholders already in the text, words the story itself
uses as places, names inside e-mail addresses, and a second pass once the names found are masked."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from analisi.anonimizzazione.fasi.base import BaseAnonimizzatore
from analisi.anonimizzazione.nomi.parole import (
    Parole,
    dopo_luogo_di,
    dopo_preposizione_di_luogo,
)
from analisi.anonimizzazione.risorse import lessico, normalizza
from analisi.anonimizzazione.segnaposto import RICONOSCIUTI_RE
from analisi.anonimizzazione.tipi import FONTE_SCUOLA, STRUTTURATE, Candidato

#: Placeholders already in a text (anonymising anonymised text must change nothing): :mod:`.segnaposto`.
SEGNAPOSTO_RE = RICONOSCIUTI_RE


class FaseCandidati(BaseAnonimizzatore):
    """Allow-list, filters and the second pass."""

    def _protetti(self, testo: str, p: Parole) -> tuple[list[str | None], list[tuple[int, int, str]]]:
        """Allow-listed tokens (places, institutions, associations, public figures) and placeholders."""
        per_token: list[str | None] = [None] * len(p)
        spans: list[tuple[int, int, str]] = []
        for a, b, tipo in self._frasario.trova(p.norme):
            for k in range(a, b):
                per_token[k] = tipo
            spans.append((p.inizi[a], p.fini[b - 1], tipo))
        if "[" in testo:
            k = 0
            for m in SEGNAPOSTO_RE.finditer(testo):
                tipo = "segnaposto_persona" if m.group().startswith("[PERSONA") else "segnaposto"
                spans.append((m.start(), m.end(), tipo))
                while k < len(p) and p.inizi[k] < m.end():
                    if p.inizi[k] >= m.start():
                        per_token[k] = "segnaposto"
                    k += 1
        spans.sort()
        return per_token, spans

    def _filtra(
        self,
        candidati: list[Candidato],
        protetti: Sequence[tuple[int, int, str]],
        p: Parole,
        protetti_tok: Sequence[str | None],
    ) -> list[Candidato]:
        """Drop names, places and bodies that the allow-list keeps, and anything inside a placeholder."""
        if not protetti:
            return candidati
        out = []
        for c in candidati:
            coperto = 0
            tipi = set()
            for s, e, tipo in protetti:
                if e <= c.start or s >= c.end:
                    continue
                if tipo.startswith("segnaposto"):
                    coperto = -1
                    break
                coperto += min(e, c.end) - max(s, c.start)
                tipi.add(tipo)
            if coperto < 0:
                continue  # never re-detect inside "[PERSONA_1]"
            if c.label in STRUTTURATE or c.label in ("INDIRIZZO", "DATA_NASCITA", "ETA") or c.fonte == FONTE_SCUOLA:
                out.append(c)
                continue
            if not tipi:
                out.append(c)
                continue
            lettere = sum(1 for ch in p.testo[c.start : c.end] if not ch.isspace())
            quota = coperto / max(lettere, 1)
            if c.label == "PERSONA":
                if quota < 0.999:
                    out.append(c)
                elif c.forte and tipi <= {"luogo"}:
                    out.append(c)  # "il dottor Ferrara", "mia figlia Asia": context beats the place list
                continue
            if quota < 0.5:
                out.append(c)
        return out

    def _scarta_incerti(
        self,
        candidati: list[Candidato],
        altri: Sequence[tuple[int, int]],
        luoghi: set[str],
        p: Parole,
    ) -> list[Candidato]:
        """Drop unsure names inside what the model calls a place or a body, and words the story uses as
        places ("crimini di guerra a Daraya" makes "Daraya" a place in the whole story)."""
        if altri:
            candidati = [
                c
                for c in candidati
                if not (
                    c.label == "PERSONA"
                    and c.score <= 0.6
                    and not c.forte
                    and any(s < c.end and c.start < e for s, e in altri)
                )
            ]
        if luoghi:
            candidati = [c for c in candidati if not self._nome_di_luogo(c, p, luoghi)]
        return candidati

    def _secondo_giro(
        self, p: Parole, protetti_tok: Sequence[str | None], scelti: Sequence[Candidato]
    ) -> list[Candidato]:
        """Names the rules see once the others are placeholders, as a second run on the output would.

        "Bianchi il Rossi Bianchi": "Rossi Bianchi" is no name (two words that are also ordinary words), but
        once both "Bianchi" are masked, "il Rossi" is one; finding it now keeps anonymisation idempotent.
        """
        if not scelti:
            return []
        coperti = list(protetti_tok)
        for c in scelti:
            for i in range(bisect_left(p.inizi, c.start), len(p)):
                if p.inizi[i] >= c.end:
                    break
                coperti[i] = "segnaposto"
        return [
            c
            for c in self._regole.trova(p, coperti)
            if c.label == "PERSONA" and not any(c.start < s.end and s.start < c.end for s in scelti)
        ]

    def _luoghi_nel_testo(self, p: Parole, protetti_tok: Sequence[str | None]) -> set[str]:
        """Capitalised words that the story itself uses as places: unknown words after a place preposition
        ("su Daraya", "nella Ladinia"), any word after "aeroporto di", "provincia di"... ("Ginevra")."""
        lx = self._lessico
        out = set()
        for i, t in enumerate(p.testi):
            if not t[0].isupper() or protetti_tok[i] is not None or t.isupper():
                continue
            n = p.norme[i]
            if n in out:
                continue
            if dopo_luogo_di(p, i):
                out.add(n)
                continue
            if n in lx.nomi or n in lx.cognomi or n in lx.ambigui or lx.kind.get(t, (0.0, 0))[0] >= 0.5:
                continue
            # "a"/"ad" also mark the person something is given to ("la vittoria ad Aristofane")
            dopo_luogo = dopo_preposizione_di_luogo(p, i) and p.norme[i - 1] not in ("a", "ad")
            if dopo_luogo and (i + 1 >= len(p) or not p.testi[i + 1][0].isupper() or p.spazio_prima(i + 1) != " "):
                out.add(n)
        return out

    @staticmethod
    def _nome_di_luogo(c: Candidato, p: Parole, luoghi: set[str]) -> bool:
        if c.label != "PERSONA" or c.forte or c.score > 0.9:
            return False
        i = bisect_left(p.inizi, c.start)
        return i < len(p) and p.inizi[i] == c.start and p.fini[i] == c.end and p.norme[i] in luoghi


def _nomi_da_email(testo: str, candidati: Sequence[Candidato], p: Parole) -> list[Candidato]:
    """Names written inside e-mail addresses ("franco.bellei@...") make their other mentions names too.

    Returned as seeds for :meth:`RegoleNomi.propaga` only (they lie inside the address, which the e-mail
    span masks anyway); only listed first names and surnames count.
    """
    lx = lessico()
    out = []
    for c in candidati:
        if c.label != "EMAIL":
            continue
        locale = testo[c.start : c.end].split("@", 1)[0]
        for m in re.finditer(r"[^\W\d_]{3,}", locale):
            norma = normalizza(m.group())
            if norma in lx.nomi or norma in lx.cognomi or norma in lx.ambigui or norma.capitalize() in lx.kind:
                out.append(Candidato(c.start + m.start(), c.start + m.end(), "PERSONA", 0.7, "email"))
    return out
