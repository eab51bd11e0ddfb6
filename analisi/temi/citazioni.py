"""Representative sentences of each theme: the quotes the Temi page and the stored themes show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from analisi.frasi import dividi_frasi


@dataclass(frozen=True)
class Citazione:
    """A representative sentence: story index in the fitted corpus, offsets into its text, the sentence."""

    documento: int
    inizio: int
    fine: int
    testo: str
    peso: float

    def come_dict(self) -> dict[str, Any]:
        return asdict(self)


def scegli_citazioni(testi: list[str], pesi: np.ndarray, citabili: Sequence[bool] | None, n_citazioni: int,
                     analizza: Callable[[list[str]], tuple[list[list[str]], np.ndarray]]) -> list[list[Citazione]]:
    """Up to ``n_citazioni`` sentences per theme (5–60 words, at most two per story, no repeats) from the stories
    that weigh most on it, scored by the sentence's own share of the theme x its length x the story's share.

    ``analizza`` turns sentences into (tokens, theme shares) with the fitted model."""
    n, k = pesi.shape
    ammessi = np.ones(n, dtype=bool) if citabili is None else np.asarray(citabili, dtype=bool)
    per_tema = max(3 * n_citazioni, 20)
    candidati_doc: dict[int, list[tuple[int, int, str]]] = {}
    migliori: list[np.ndarray] = []
    for t in range(k):
        ordine = np.argsort(-pesi[:, t], kind="stable")
        ordine = ordine[ammessi[ordine] & (pesi[ordine, t] > 0)][:per_tema]
        migliori.append(ordine)
        for d in ordine:
            if int(d) not in candidati_doc:
                frasi = []
                for iv in dividi_frasi(testi[d]):
                    frase = testi[d][iv.inizio:iv.fine]
                    if 5 <= len(frase.split()) <= 60:
                        frasi.append((iv.inizio, iv.fine, frase))
                candidati_doc[int(d)] = frasi
    elenco = [(d, a, b, f) for d, frasi in sorted(candidati_doc.items()) for a, b, f in frasi]
    if not elenco:
        return [[] for _ in range(k)]
    tokens, quote = analizza([f for _, _, _, f in elenco])
    lunghezza = np.array([min(1.0, len(t) / 5) for t in tokens])
    posizione = {(d, a): i for i, (d, a, _, _) in enumerate(elenco)}
    out: list[list[Citazione]] = []
    for t in range(k):
        scelte: list[tuple[float, int]] = []
        for d in migliori[t]:
            for a, _, _ in candidati_doc[int(d)]:
                i = posizione[(int(d), a)]
                scelte.append((float(quote[i, t] * lunghezza[i] * pesi[d, t]), i))
        scelte.sort(key=lambda x: (-x[0], x[1]))
        presi: list[Citazione] = []
        per_storia: dict[int, int] = {}
        visti: set[str] = set()
        for punteggio, i in scelte:
            d, a, b, f = elenco[i]
            if punteggio <= 0 or per_storia.get(d, 0) >= 2 or f in visti:
                continue
            presi.append(Citazione(d, a, b, f, round(punteggio, 6)))
            per_storia[d] = per_storia.get(d, 0) + 1
            visti.add(f)
            if len(presi) == n_citazioni:
                break
        out.append(presi)
    return out
