"""The built-in pipeline stages, registered like plugins under versioned names."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.frasi import dividi_frasi
from analisi.pipeline import Contesto, registra_stadio
from archivio import racconti as q
from archivio.racconti import NuovaFrase, RaccontoDaElaborare, Segnaposto


@registra_stadio("anonimizza.v1")
class StadioAnonimizza:
    """Replace personal data with placeholders. The only stage that reads the (decrypted) raw text."""

    nome: ClassVar[str] = "anonimizza"
    versione: ClassVar[int] = 1
    legge_grezzo: ClassVar[bool] = True
    solo_visibili: ClassVar[bool] = False
    parallelo: ClassVar[bool] = True  # elabora only reads: the runner may fork workers

    def prepara(self, contesto: Contesto) -> None:
        from analisi.anonimizzazione import Anonimizzatore
        from analisi.lingua import carica_italiano, descrivi_modello

        imp = contesto.impostazioni
        if "nlp" not in contesto.risorse:
            contesto.risorse["nlp"] = carica_italiano(imp.modello_lingua)
        nlp = contesto.risorse["nlp"]
        contesto.modello = descrivi_modello(nlp)
        self._cifrario = contesto.cifrario
        self._anonimizzatore = Anonimizzatore(nlp, consentiti=contesto.risorse.get("associazioni", ()),
                                              figure_pubbliche=imp.figure_pubbliche)

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        return list(self._anonimizzatore.anonimizza_molti([r.testo for r in lotto]))

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        assert self._cifrario is not None
        for r, esito in zip(lotto, esiti, strict=True):
            segnaposti = _segnaposti_nel_testo_anon(esito)
            mappa = self._cifrario.cifra(json.dumps(esito.mappa, ensure_ascii=False)) if esito.mappa else None
            q.salva_anonimizzazione(s, r.id, esito.testo_anon, segnaposti, mappa,
                                    esito.motivi if esito.da_rivedere else [])


def _segnaposti_nel_testo_anon(esito: Any) -> list[Segnaposto]:
    """Offsets of the placeholders in the anonymised text (the original spans stay encrypted).

    Each (non-overlapping) entity span was replaced by one ``[...]`` placeholder, so walking the spans in
    order with the running length difference finds every placeholder exactly.
    """
    out = []
    delta = 0
    testo = esito.testo_anon
    for e in sorted(esito.entita, key=lambda e: e.start):
        inizio = e.start + delta
        if not testo.startswith("[", inizio):
            raise ValueError(f"no placeholder at offset {inizio} of the anonymised text")
        fine = testo.index("]", inizio) + 1
        out.append(Segnaposto(inizio, fine, e.label, testo[inizio:fine], e.score, e.fonte))
        delta += (fine - inizio) - (e.end - e.start)
    return out


@registra_stadio("frasi.v1")
class StadioFrasi:
    """Split the anonymised text into sentences with character offsets."""

    nome: ClassVar[str] = "frasi"
    versione: ClassVar[int] = 1
    legge_grezzo: ClassVar[bool] = False
    solo_visibili: ClassVar[bool] = True

    def prepara(self, contesto: Contesto) -> None:
        return None

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        return [[NuovaFrase(iv.inizio, iv.fine, r.testo[iv.inizio:iv.fine]) for iv in dividi_frasi(r.testo)]
                for r in lotto]

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        for r, frasi in zip(lotto, esiti, strict=True):
            q.salva_frasi(s, r.id, frasi)
