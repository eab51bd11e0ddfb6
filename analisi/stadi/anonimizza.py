"""Stage ``anonimizza.v1``: personal data out of the text and the free-text fields, before anyone reads them."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto, StadioBase, registra_stadio
from archivio import racconti as q
from archivio.racconti import RaccontoDaElaborare


@registra_stadio("anonimizza.v1")
class StadioAnonimizza(StadioBase):
    """Replace personal data with placeholders in the text AND in the free-text fields (title, zone, other
    association), anonymised together. The only stage that reads the (decrypted) raw text and fields."""

    nome: ClassVar[str] = "anonimizza"
    versione: ClassVar[int] = 1
    legge: ClassVar[tuple[str, ...]] = ("testi_grezzi", "associazioni")
    scrive: ClassVar[tuple[str, ...]] = ("racconti", "testi_grezzi.mappa_cifrata", "entita", "revisioni")
    legge_grezzo: ClassVar[bool] = True
    solo_visibili: ClassVar[bool] = False
    parallelo: ClassVar[bool] = True

    def prepara(self, contesto: Contesto) -> None:
        from analisi.anonimizzazione import Anonimizzatore
        from analisi.lingua import descrivi_modello

        imp = contesto.impostazioni
        nlp = contesto.risorse.lingua(imp)
        contesto.modello = descrivi_modello(nlp)
        self._cifrario = contesto.cifrario
        self._anonimizzatore = Anonimizzatore.da_impostazioni(nlp, imp.anonimizzazione,
                                                              consentiti=contesto.risorse.associazioni)

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        from analisi.anonimizzazione import anonimizza_racconti

        return list(anonimizza_racconti(self._anonimizzatore, [(r.testo, r.campi) for r in lotto],
                                        nomi_campi=q.CAMPI_LIBERI))

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        from analisi.anonimizzazione.segnaposto import span_da_salvare

        assert self._cifrario is not None
        righe = []
        for r, esito in zip(lotto, esiti, strict=True):
            segnaposti, payload = span_da_salvare(r.testo, esito)
            mappa_cifrata = self._cifrario.cifra(payload) if payload else None
            righe.append(q.Anonimizzazione(r.id, esito.testo_anon, segnaposti, mappa_cifrata,
                                           esito.esito.motivi if esito.esito.da_rivedere else [],
                                           campi_anon=esito.campi_anon,
                                           campi_cifrati=q.cifra_campi(r.campi, self._cifrario)))
        q.salva_anonimizzazioni(s, righe)  # one bulk write per batch
