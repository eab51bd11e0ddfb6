"""The themes stage ``temi.v1`` and the explicit refit.

- First run: the model is fitted on ALL visible stories (anonymised text), saved as a file in
  ``<cartella_dati>/modelli/`` (its path and SHA-256 recorded in ``modelli_temi``), its themes and quotes
  stored; then the runner's batches assign every pending story with ``transform``.
- Later runs: new stories are assigned to the existing themes with ``transform``: no refit.
- After a withdrawal of a story the model may hold (its quotes, its word forms), the model's file is
  deleted and the next run refits on the remaining stories and reassigns them all; superseded model files
  are deleted after every fit.
- ``rifai_temi``: an explicit refit (``narrazioni temi rifai``) on all visible stories; the themes are
  matched to the previous ones (cosine of term weights, Hungarian algorithm) and researcher-edited labels
  are carried over to the theme that persists; every visible story is reassigned.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto, StadioBase, registra_stadio
from analisi.temi.misure import abbina_temi
from analisi.temi.modello import ModelloTemi, carica_modello
from archivio import racconti as q
from archivio import temi as archivio_temi
from archivio.db import Archivio
from archivio.errori import ErroreOperazione
from archivio.impostazioni import Impostazioni, SezioneTemi
from archivio.racconti import RaccontoDaElaborare

__all__ = ["StadioTemi", "TemiNonPronti", "adatta_e_registra", "rifai_temi"]

NOME_STADIO = "temi"
VERSIONE_STADIO = 1


class TemiNonPronti(ErroreOperazione, ValueError):
    """Too few visible stories to fit themes (Italian message: it reaches the person who asked)."""


def _semi(conf: SezioneTemi) -> dict[str, list[str]] | None:
    """The guided themes' seed words (``temi.file_semi``: TOML/JSON ``{label: [seed words]}``), or None."""
    if conf.file_semi is None:
        return None
    testo = conf.file_semi.read_text(encoding="utf-8")
    dati = tomllib.loads(testo) if conf.file_semi.suffix == ".toml" else json.loads(testo)
    return {str(k): [str(p) for p in v] for k, v in dati.items()}


def _nlp(conf: SezioneTemi, imp: Impostazioni, contesto: Contesto | None = None) -> Any:
    if conf.lemmi != "pipeline":
        return None
    if contesto is not None and contesto.risorse.nlp is not None:
        return contesto.risorse.nlp
    from analisi.lingua import carica_italiano

    return carica_italiano(imp.elaborazione.modello_lingua, escludi=("ner",))


def _impronta(percorso: Path) -> str:
    h = hashlib.sha256()
    with open(percorso, "rb") as f:
        for blocco in iter(lambda: f.read(1 << 20), b""):
            h.update(blocco)
    return h.hexdigest()


def _salva_file(modello: ModelloTemi, cartella: Path) -> tuple[Path, str]:
    """Write the model atomically as ``<cartella_dati>/modelli/temi-<sha>.joblib``."""
    destinazione = cartella / "modelli"
    destinazione.mkdir(parents=True, exist_ok=True)
    for rimasto in destinazione.glob("*.tmp"):  # a fit killed while saving (one fit at a time: the lock)
        rimasto.unlink(missing_ok=True)
    fd, provvisorio = tempfile.mkstemp(dir=destinazione, suffix=".tmp")
    os.close(fd)
    modello.salva(provvisorio)
    impronta = _impronta(Path(provvisorio))
    finale = destinazione / f"temi-{impronta[:16]}.joblib"
    os.replace(provvisorio, finale)
    return finale, impronta


def carica_verificato(salvato: archivio_temi.ModelloSalvato) -> ModelloTemi:
    """Load the active model's file, refusing a file that is not the one recorded."""
    percorso = Path(salvato.percorso)
    if not percorso.is_file():
        raise FileNotFoundError(f"theme model file {percorso} is missing: refit with `narrazioni temi rifai`")
    if _impronta(percorso) != salvato.impronta:
        raise ValueError(f"theme model file {percorso} does not match the recorded SHA-256: refusing to load it")
    return carica_modello(percorso)


def adatta_e_registra(archivio: Archivio, imp: Impostazioni, *, conf: SezioneTemi | None = None,
                      k: int | None = None, seme: int | None = None, nlp: Any = None,
                      autore: str | None = None, tentativi: int = 3,
                      ) -> tuple[archivio_temi.ModelloSalvato, ModelloTemi] | None:
    """Fit the themes on all visible stories, save the file and record model, themes and quotes.

    Labels edited by researchers are carried over to the matching new themes. Returns None when there are
    fewer than ``min_racconti`` visible stories. Assignments are not written here. The files of superseded
    models are deleted; a fit that raced with a withdrawal is thrown away and redone.
    """
    conf = conf or imp.temi
    with archivio.lettura() as s:
        storie = archivio_temi.racconti_per_temi(s)
        associazioni = q.nomi_associazioni(s)
        precedenti = archivio_temi.temi_attivi(s)
    if len(storie) < conf.min_racconti:
        return None
    modello = ModelloTemi(
        k=k if k is not None else (conf.k if conf.k is not None else "auto"), k_min=conf.k_min, k_max=conf.k_max,
        algoritmo=conf.algoritmo, random_state=conf.seme if seme is None else seme, semi=_semi(conf),
        parole_dominio=conf.parole_dominio, parole_extra=tuple(conf.parole_extra), nomi_da_ignorare=associazioni,
        nlp=nlp, soglia_minibatch=conf.soglia_minibatch, n_jobs=imp.elaborazione.processi or -1,
    ).fit([r.testo for r in storie], citabili=[r.citabile for r in storie],
          associazioni=[r.associazione for r in storie] if any(r.associazione for r in storie) else None)
    percorso, impronta = _salva_file(modello, imp.archivio.cartella_dati)
    riepilogo = modello.riepilogo()
    abbinati = abbina_temi([{t: w for t, w in p["termini"]} for p in precedenti], modello.termini_pesati())
    nuovi = []
    for j in range(modello.k_):
        etichetta, manuale = modello.etichette_[j], j < len(modello.semi_)
        vecchio = precedenti[abbinati[j]] if j in abbinati else None
        if vecchio is not None and vecchio["etichetta_manuale"]:
            etichetta, manuale = vecchio["etichetta"], True
        citazioni = [archivio_temi.NuovaCitazione(storie[c.documento].id, c.inizio, c.fine, c.testo, c.peso)
                     for c in modello.citazioni_[j]]
        nuovi.append(archivio_temi.NuovoTema(
            indice=j, etichetta=etichetta, etichetta_manuale=manuale,
            termini=[[t, w] for t, w in zip(modello.termini_[j], modello.pesi_termini_[j], strict=True)],
            prevalenza=float(modello.prevalenza_[j]), citazioni=citazioni))
    metriche = {c: riepilogo[c] for c in ("coerenza_npmi_media", "stabilita", "scelta_k", "n_termini_vocabolario")}
    metriche["abbinati_al_modello_precedente"] = {str(a): b for a, b in abbinati.items()}
    # How each theme's weight spreads over the associations (index order), and the specific terms left out.
    metriche["diffusione_associazioni"] = [t["diffusione_associazioni"] for t in riepilogo["temi"]]
    metriche["termini_specifici_esclusi"] = riepilogo["termini_specifici_esclusi"]
    parametri = json.loads(json.dumps(
        {**conf.model_dump(mode="json"), "k_richiesto": modello.k,
         "lemmi_da": "pipeline" if nlp is not None else "simplemma"},
        default=str))  # JSON-safe (paths, tuples) so that what is stored is what is read back
    with archivio.transazione() as s:
        if archivio_temi.quanti_esistono(s, [r.id for r in storie]) < len(storie):
            ritirati = True  # a story was withdrawn while fitting: its words are in this file
        else:
            ritirati = False
            salvato = archivio_temi.salva_modello(
                s, percorso=str(percorso), impronta=impronta, algoritmo=riepilogo["algoritmo"], k=modello.k_,
                random_state=modello.random_state, n_racconti=modello.n_documenti_, parametri=parametri,
                metriche=metriche, temi=nuovi, autore=autore)
            superati = [p for p in archivio_temi.file_superati(s) if p != str(percorso)]
    if ritirati:
        percorso.unlink(missing_ok=True)
        if tentativi <= 1:
            raise RuntimeError("stories were withdrawn during every theme fit: run it again")
        return adatta_e_registra(archivio, imp, conf=conf, k=k, seme=seme, nlp=nlp, autore=autore,
                                 tentativi=tentativi - 1)
    # Superseded models' files hold the words of stories that may have been withdrawn since: they go.
    for file_vecchio in superati:
        archivio_temi.elimina_file_modello(file_vecchio)
    return salvato, modello


def rifai_temi(archivio: Archivio, imp: Impostazioni, *, k: int | None = None, seme: int | None = None,
               autore: str = "sistema", lotto: int = 500) -> archivio_temi.ModelloSalvato:
    """Explicit refit (``narrazioni temi rifai [--k N] [--seed S]``): new themes, every visible story reassigned.
    Takes the data directory's processing lock (never alongside ``elabora`` or the worker).

    Raises:
        TemiNonPronti: fewer visible stories than ``temi.min_racconti``.
        ErrorePipeline: another processing run holds the lock.
    """
    from analisi.pipeline import blocco_esclusivo

    with blocco_esclusivo(imp.archivio.cartella_dati):
        return _rifai(archivio, imp, k=k, seme=seme, autore=autore, lotto=lotto)


def _rifai(archivio: Archivio, imp: Impostazioni, *, k: int | None, seme: int | None, autore: str,
           lotto: int) -> archivio_temi.ModelloSalvato:
    conf = imp.temi
    esito = adatta_e_registra(archivio, imp, conf=conf, k=k, seme=seme, nlp=_nlp(conf, imp), autore=autore)
    if esito is None:
        raise TemiNonPronti(f"servono almeno {conf.min_racconti} racconti visibili per trovare i temi "
                            "(impostazione temi.min_racconti)")
    salvato, modello = esito
    with archivio.lettura() as s:
        storie = archivio_temi.racconti_per_temi(s)
    for inizio in range(0, len(storie), lotto):
        parte = storie[inizio:inizio + lotto]
        pesi = modello.transform([r.testo for r in parte])
        with archivio.transazione() as s:
            archivio_temi.salva_assegnazioni(s, salvato.temi_ids, zip([r.id for r in parte], pesi.tolist(),
                                                                      strict=True))
            q.segna(s, [r.id for r in parte], NOME_STADIO, VERSIONE_STADIO, None, [])
    return salvato


@registra_stadio("temi.v1")
class StadioTemi(StadioBase):
    """Assign each visible story to the themes (fitting them first when no model exists)."""

    nome: ClassVar[str] = NOME_STADIO
    versione: ClassVar[int] = VERSIONE_STADIO
    legge: ClassVar[tuple[str, ...]] = ("racconti.testo_anon", "modelli_temi", "modelli/temi-*.joblib")
    scrive: ClassVar[tuple[str, ...]] = ("temi", "assegnazioni_tema", "citazioni_tema", "modelli_temi",
                                         "modelli/temi-*.joblib")
    parallelo: ClassVar[bool] = True  # elabora only transforms

    def prepara(self, contesto: Contesto) -> None:
        imp = contesto.impostazioni
        conf = imp.temi
        archivio = contesto.risorse.archivio
        proprio = archivio is None
        if archivio is None:
            archivio = Archivio(imp.url_database())
        try:
            with archivio.lettura() as s:
                salvato = archivio_temi.modello_attivo(s)
            self._modello: ModelloTemi | None = None
            self._temi_ids: list[int] = []
            self._minimo = conf.min_racconti
            da_rifare = salvato is not None and (salvato.impronta == archivio_temi.DA_RIFARE
                                                  or not Path(salvato.percorso).is_file())
            if salvato is None or da_rifare:
                # First fit, or the model's file was deleted by a withdrawal: fit on the remaining stories
                # (labels edited by researchers carry over) and reassign every visible story.
                esito = adatta_e_registra(archivio, imp, conf=conf, nlp=_nlp(conf, imp, contesto))
                if da_rifare:
                    with archivio.transazione() as s:
                        archivio_temi.rendi_tutti_in_attesa(s)
                if esito is None:
                    return
                salvato, self._modello = esito
            else:
                self._modello = carica_verificato(salvato)
            self._temi_ids = salvato.temi_ids
        finally:
            if proprio:
                archivio.chiudi()

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        if self._modello is None:
            # Not "done": these stories are retried by the next run, when enough stories are visible.
            raise RuntimeError(f"servono almeno {self._minimo} racconti visibili per trovare i temi")
        return self._modello.transform([r.testo for r in lotto]).tolist()

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        archivio_temi.salva_assegnazioni(s, self._temi_ids, zip([r.id for r in lotto], esiti, strict=True))
        for r in lotto:  # a story redone after a new anonymisation: its old quotes may point at other text
            archivio_temi.togli_citazioni_superate(s, r.id, r.testo)
