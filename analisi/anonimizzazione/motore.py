"""The anonymiser: NER + recognizers + name rules, allow-list, overlaps, placeholders, review flags.

:class:`Anonimizzatore` holds the state and runs a batch of stories (:meth:`Anonimizzatore._lotto`) and one
story's phases in order (:meth:`Anonimizzatore._elabora`); each phase lives in :mod:`.fasi`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from analisi.anonimizzazione.fasi.candidati import FaseCandidati, _nomi_da_email
from analisi.anonimizzazione.fasi.esito import FaseEsito
from analisi.anonimizzazione.fasi.ner import _ETICHETTE_NER, _FONTE_ISTITUZIONE, FaseNer, _componenti_ner
from analisi.anonimizzazione.fasi.risoluzione import FaseRisoluzione, _risolvi
from analisi.anonimizzazione.nomi.parole import PARTICELLE, Parole
from analisi.anonimizzazione.nomi.regole import RegoleNomi
from analisi.anonimizzazione.riconoscitori import trova_strutturati
from analisi.anonimizzazione.riconoscitori.date_eta import trova_eta
from analisi.anonimizzazione.rischio import ValutatoreRischio
from analisi.anonimizzazione.risorse import Frasario, lessico, parole_di
from analisi.anonimizzazione.tipi import FONTE_SCUOLA, Candidato, Esito
from archivio.impostazioni import SOGLIA_RISCHIO_NOME, SezioneAnonimizzazione

if TYPE_CHECKING:
    import spacy


class Anonimizzatore(FaseCandidati, FaseNer, FaseRisoluzione, FaseEsito):
    """Italian anonymiser: one instance per process, reused for every story.

    Args:
        nlp: a spaCy pipeline whose NER emits PER/LOC/ORG (only the NER runs), or ``None`` for rules only.
        consentiti: names kept in clear (associations of the corpus, other allowed bodies).
        figure_pubbliche: public figures kept in clear (their surname alone too).
        soglia_revisione: entities scored below it send the story to review.
        soglia_rischio: a residual risk of a readable name (:mod:`.rischio`) at or above it sends the story
            to review (``NARRAZIONI_ANONIMIZZAZIONE__SOGLIA_RISCHIO_NOME``; above 1 never).
    """

    def __init__(
        self,
        nlp: spacy.Language | None = None,
        *,
        consentiti: Sequence[str] = (),
        figure_pubbliche: Sequence[str] = (),
        soglia_revisione: float = 0.5,
        soglia_rischio: float = SOGLIA_RISCHIO_NOME,
    ) -> None:
        self.nlp = nlp
        self.soglia_revisione = soglia_revisione
        self.soglia_rischio = soglia_rischio
        self._lessico = lessico()
        self._frasario: Frasario = self._lessico.frasario.copia()
        for nome in consentiti:
            self._frasario.aggiungi(nome, "consentito")
            # "Centro Anziani Il Glicine" is also "il Glicine", "al Glicine"
            coda = re.search(r"\b(?:Il|La|Lo|L['’]|I|Gli|Le)\s*([A-ZÀ-Ý][\w'’ ]+)$", nome)
            if coda:
                self._frasario.aggiungi(coda.group(1), "consentito")
            testa = re.match(r"([A-ZÀ-Ý][\w'’]+ [A-ZÀ-Ý][\w'’]+) ", nome)
            if testa:  # "Emporio Solidale La Dispensa" is also "l'Emporio Solidale"
                self._frasario.aggiungi(testa.group(1), "consentito")
        for figura in figure_pubbliche:
            self._frasario.aggiungi(figura, "figura")
            parole = [p for p in parole_di(figura) if p not in PARTICELLE]
            if len(parole) > 1:
                self._frasario.aggiungi(parole[-1], "figura")
        self._regole = RegoleNomi(self._lessico)
        self._rischio = ValutatoreRischio(self._regole)
        self._usa_ner, self._da_spegnere = _componenti_ner(nlp) if nlp is not None else (False, [])

    @classmethod
    def da_impostazioni(cls, nlp: spacy.Language | None, impostazioni: SezioneAnonimizzazione, *,
                        consentiti: Sequence[str] = ()) -> Anonimizzatore:
        """The anonymiser the settings describe (the pipeline stage and ``narrazioni anonimizza``: one recipe)."""
        return cls(nlp, consentiti=consentiti, figure_pubbliche=impostazioni.figure_pubbliche,
                   soglia_rischio=impostazioni.soglia_rischio_nome)

    # ------------------------------------------------------------------------------------------ API
    #: Run the NER only on the sentences that hold a word it could call a name, place or body (a
    #: capitalised word that is neither allow-listed nor an ordinary word opening a sentence). In
    #: first-person stories that is about a quarter of the text; the rules see everything.
    ner_solo_frasi_candidate: bool = True

    def anonimizza(self, testo: str) -> Esito:
        """Anonymise one story."""
        return next(self.anonimizza_molti([testo], batch_size=1))

    def anonimizza_molti(self, testi: Iterable[str], batch_size: int = 64) -> Iterator[Esito]:
        """Anonymise many stories lazily, running the NER in batches (``nlp.pipe``)."""
        lotto: list[str] = []
        for testo in testi:
            lotto.append(testo)
            if len(lotto) >= batch_size:
                yield from self._lotto(lotto, batch_size)
                lotto = []
        if lotto:
            yield from self._lotto(lotto, batch_size)

    # ------------------------------------------------------------------------------------ pipeline
    def _lotto(self, testi: list[str], batch_size: int) -> Iterator[Esito]:
        preparati = []
        pezzi: list[tuple[int, int, str]] = []  # (story, offset, text) to run the NER on
        for k, testo in enumerate(testi):
            p = Parole.da_testo(testo)
            protetti_tok, protetti = self._protetti(testo, p)
            preparati.append((testo, p, protetti_tok, protetti))
            if self._usa_ner and testo.strip():
                for inizio, fine in self._frasi_per_ner(p, protetti_tok):
                    pezzi.append((k, inizio, testo[inizio:fine]))
        entita_ner: list[list[tuple[int, int, str, str]]] = [[] for _ in testi]
        if pezzi and self.nlp is not None:
            docs = self.nlp.pipe((t for _, _, t in pezzi), batch_size=max(batch_size, 32), disable=self._da_spegnere)
            for (k, inizio, _), doc in zip(pezzi, docs, strict=True):
                for ent in doc.ents:
                    entita_ner[k].append((inizio + ent.start_char, inizio + ent.end_char, ent.label_, ent.text))
        for (testo, p, protetti_tok, protetti), ents in zip(preparati, entita_ner, strict=True):
            yield self._elabora(testo, p, protetti_tok, protetti, ents if self._usa_ner else None)

    def _elabora(
        self,
        testo: str,
        p: Parole,
        protetti_tok: list[str | None],
        protetti: list[tuple[int, int, str]],
        ents: list[tuple[int, int, str, str]] | None,
    ) -> Esito:
        candidati = trova_strutturati(testo)
        persone = self._regole.trova(p, protetti_tok)
        candidati.extend(persone)
        candidati.extend(self._regole.parlanti(p))
        altri: list[tuple[int, int]] = []
        dal_ner: list[Candidato] = []
        if ents:
            dal_ner = self._da_ner(ents, p, protetti_tok)
            altri = [(c.start, c.end) for c in dal_ner if c.label != "PERSONA"]
            dal_ner = [c for c in dal_ner if c.fonte != _FONTE_ISTITUZIONE]
        luoghi = self._luoghi_nel_testo(p, protetti_tok)
        candidati = self._scarta_incerti(candidati, altri, set(), p)
        candidati.extend(dal_ner)
        candidati = self._filtra(candidati, protetti, p, protetti_tok)
        candidati = self._scarta_incerti(candidati, [], luoghi, p)
        candidati.extend(
            self._regole.elenchi(p, [c for c in candidati if c.label == "PERSONA" and c.score >= 0.5], protetti_tok)
        )
        base_persone = [c for c in candidati if c.label == "PERSONA" and c.fonte != FONTE_SCUOLA]
        base_persone.extend(_nomi_da_email(testo, candidati, p))
        candidati.extend(self._regole.propaga(p, base_persone, protetti_tok))
        fini = {c.end for c in candidati if c.label == "PERSONA"}
        fini.update(e for _, e, t in protetti if t == "segnaposto_persona")
        candidati.extend(trova_eta(testo, fini))
        scelti = self._epiteti(_risolvi(candidati, testo), p, protetti_tok)
        nuovi = self._secondo_giro(p, protetti_tok, scelti)
        if nuovi:
            nuovi = self._filtra(nuovi, protetti, p, protetti_tok)
            nuovi = self._scarta_incerti(nuovi, altri, luoghi, p)
        if nuovi:
            candidati.extend(nuovi)
            candidati.extend(self._regole.propaga(p, nuovi, protetti_tok))
            scelti = self._epiteti(_risolvi(candidati, testo), p, protetti_tok)
        persone_ner = [(s, e) for s, e, etichetta, _ in ents or () if _ETICHETTE_NER.get(etichetta) == "PERSONA"]
        return self._esito(testo, scelti, p, protetti_tok, persone_ner)


def candidati_grezzi(anonimizzatore: Anonimizzatore, testo: str) -> list[dict[str, Any]]:
    """Debug helper: every rule candidate before overlaps are resolved (for error analysis)."""
    p = Parole.da_testo(testo)
    protetti_tok, _ = anonimizzatore._protetti(testo, p)
    cand = trova_strutturati(testo) + anonimizzatore._regole.trova(p, protetti_tok)
    return [
        {
            "start": c.start,
            "end": c.end,
            "label": c.label,
            "text": testo[c.start : c.end],
            "score": c.score,
            "fonte": c.fonte,
        }
        for c in cand
    ]
