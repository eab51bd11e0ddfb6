"""Phase: the result: the chosen spans replaced by placeholders (:mod:`..segnaposto`), the mapping, and
the hand-off to review: reasons that hold a story (wrong check characters, quasi-identifiers) and the
residual risk of a readable name (:mod:`..rischio`)."""

from __future__ import annotations

from collections.abc import Sequence

from analisi.anonimizzazione.fasi.base import BaseAnonimizzatore
from analisi.anonimizzazione.nomi.parole import (
    Parole,
)
from analisi.anonimizzazione.riconoscitori.date_eta import eta_in_anni
from analisi.anonimizzazione.rischio import rischio
from analisi.anonimizzazione.segnaposto import Numerazione, etichetta_entita, superfici
from analisi.anonimizzazione.tipi import Candidato, Esito, Span

MESTIERI_RARI = frozenset(
    (
        "farmacista veterinario veterinaria notaio sindaco sindaca parroco sacerdote prete suora imam"
        " rabbino pediatra primario primaria chirurgo chirurga dentista magistrato giudice "
        "maresciallo comandante giornalista preside dirigente edicolante tabaccaio tabaccaia fornaio "
        "panettiere macellaio fioraio fiorista ostetrica psichiatra commercialista ambasciatore "
        "console consigliere consigliera assessore assessora questore prefetto carabiniere campanaro "
        "sagrestano bidello bidella postino postina vigile pompiere tassista camionista allevatore "
        "agricoltore sarto sarta calzolaio orologiaio falegname fabbro idraulico elettricista"
    ).split()
)
FAMIGLIA_SPECIFICA = frozenset(
    w.strip()
    for w in (
        "gemelli, gemelle, gemello, gemella, trigemini, vedovo, vedova, incinta, gravidanza, "
        "adottato, adottata, adottivo, adottiva, affido, affidataria, orfano, orfana, separato, "
        "separata, divorziato, divorziata, disabile, disabili, autistico, autistica, down, quattro "
        "figli, cinque figli, sei figli, sette figli, otto figli, unico figlio, figlia unica, figlio "
        "unico, ragazza madre, mamma single, papà single"
    ).split(",")
)
_PICCOLI = ("comune_piccolo", "frazione")


class FaseEsito(BaseAnonimizzatore):
    """Placeholders, mapping, review reasons and risk."""

    def _esito(
        self,
        testo: str,
        scelti: list[Candidato],
        p: Parole,
        protetti_tok: Sequence[str | None],
        persone_ner: Sequence[tuple[int, int]] = (),
    ) -> Esito:
        entita = [Span(c.start, c.end, c.label, score=round(c.score, 3), fonte=c.fonte, text=testo[c.start : c.end])
                  for c in scelti]
        numerazione = Numerazione(testo)
        segnaposti = [numerazione.assegna(etichetta_entita(e.label, e.fonte), e.text) for e in entita]
        pezzi = []
        pos = 0
        for e, segnaposto in zip(entita, segnaposti, strict=True):
            pezzi.append(testo[pos : e.start])
            pezzi.append(segnaposto)
            pos = e.end
        pezzi.append(testo[pos:])
        motivi = self._motivi(entita, p, protetti_tok)
        eta_minore = any(e.label == "ETA" and any(v < 18 for v in eta_in_anni(e.text)) for e in entita)
        segnali = self._rischio.segnali(p, scelti, protetti_tok, persone_ner, eta_minore)
        valore = rischio(segnali)
        if valore >= self.soglia_rischio:
            motivi.append(f"rischio di un nome rimasto leggibile {valore:.2f} (soglia {self.soglia_rischio:.2f})")
            motivi.extend(s.motivo() for s in sorted(segnali, key=lambda s: (-s.peso, s.start))[:12])
        if motivi:
            motivi.extend(self._incerti(entita))
        mappa = superfici(zip(segnaposti, (e.text for e in entita), strict=True))
        return Esito("".join(pezzi), entita, mappa, bool(motivi), motivi, valore, segnali, segnaposti)

    def _motivi(self, entita: list[Span], p: Parole, protetti_tok: Sequence[str | None]) -> list[str]:
        """Reasons that hold the story (a masked entity scored low is listed by :meth:`_incerti`, not here:
        it is hidden either way, so it is worth a look only when the story is held for a real risk)."""
        motivi = []
        for e in entita:
            if e.fonte.endswith("controllo-errato"):
                motivi.append(f"{e.label} con carattere di controllo errato ({e.start}-{e.end}): verificare")
        if any(e.scuola for e in entita):
            motivi.append("quasi-identificativo: scuola dei figli nominata")
        minori = [e for e in entita if e.label == "ETA" and any(v < 18 for v in eta_in_anni(e.text))]
        if minori:
            motivi.append("quasi-identificativo: età esatta di un minore")
        norme = set(p.norme)
        bigrammi = {" ".join(p.norme[i : i + 2]) for i in range(len(p.norme) - 1)}
        mestiere = sorted(norme & MESTIERI_RARI)
        famiglia = sorted((norme | bigrammi) & FAMIGLIA_SPECIFICA)
        # a small place counts when it stays readable; a masked one is hidden already
        piccolo = self._luogo_piccolo(p, protetti_tok)
        presenti = [
            nome
            for nome, c in (
                ("mestiere raro", mestiere),
                ("luogo piccolo", piccolo),
                ("dettaglio familiare", famiglia),
            )
            if c
        ]
        if len(presenti) >= 2:
            motivi.append("quasi-identificativi combinati: " + " + ".join(presenti))
        return motivi

    def _incerti(self, entita: Sequence[Span]) -> list[str]:
        """Masked entities scored below ``soglia_revisione`` (maybe no personal data at all)."""
        return [
            f"bassa confidenza: {etichetta_entita(e.label, e.fonte)} {e.start}-{e.end} ({e.score:.2f})"
            for e in entita
            if e.score < self.soglia_revisione and not e.fonte.endswith("controllo-errato")
        ]

    def _luogo_piccolo(self, p: Parole, protetti_tok: Sequence[str | None]) -> bool:
        tipi = self._lessico.tipi_luogo
        i = 0
        n = len(p)
        while i < n:
            if protetti_tok[i] == "luogo":
                j = i
                while j < n and protetti_tok[j] == "luogo":
                    j += 1
                for a in range(i, j):
                    for b in range(j, a, -1):
                        if tipi.get(tuple(p.norme[a:b])) in _PICCOLI:
                            return True
                i = j
            else:
                i += 1
        return False
