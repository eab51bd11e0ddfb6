"""Phase: the result: the chosen spans replaced by placeholders (:mod:`..segnaposto`), the mapping, and
the hand-off to review: reasons that hold a story (wrong check characters, quasi-identifiers) and the
residual risk of a readable name (:mod:`..rischio`)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from analisi.anonimizzazione.fasi.base import BaseAnonimizzatore
from analisi.anonimizzazione.nomi.parole import (
    PARENTELA,
    Parole,
    _iniziale,
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

# A quasi-identifier counts when it is tied to the narrator or to someone close to them: a rare job with a
# small place names the narrator ("faccio la farmacista a Frassinoro"), not the sindaco a news item speaks of.
#: first-person possessives (the narrator's family: "mio marito", "nostra figlia")
_MIEI = frozenset("mio mia miei mie nostro nostra nostri nostre".split())
#: relatives; not the words for any child or friend ("una bambina di 8 anni", "gli amici del sindaco")
_PARENTI = PARENTELA - frozenset(
    "amico amica amici amiche bimbo bimba bambino bambina ragazzo ragazza compagno compagna coinquilino "
    "coinquilina convivente".split()
)
#: first-person words: the narrator speaks of themselves ("sono vedova", "ho 16 anni", "abbiamo due figli")
_IO = frozenset("io mi me noi sono ero ho avevo abbiamo avevamo siamo eravamo".split()) | _MIEI
#: the narrator at school: a pupil, a parent, a teacher ("frequento il liceo X", "insegno alla media Y")
_IO_SCUOLA = _IO | frozenset("insegno insegnavo frequento frequentavo vado andavo lavoro lavoravo".split())
#: a job's verb in the first person ("sono farmacista", "faccio il fornaio", "lavoro come postina")
_IO_MESTIERE = frozenset(
    "io sono ero fui siamo eravamo faccio facevo facciamo facevamo lavoro lavoravo lavoriamo fatto lavorato".split()
)
#: a job's verb in the third person, tied when a relative is its subject ("mia figlia fa la postina")
_LUI_MESTIERE = frozenset("e era fu fa faceva fece lavora lavorava".split())
#: words between the verb and the job ("sono stata la sindaca", "lavoro come", "faccio da anni il")
_TRA = frozenset(
    "il lo la l un una uno come da anche ancora gia stato stata diventato diventata sempre ex per anni anno "
    "mesi tanti molti ormai poi giovane dieci venti trenta vent trent quarant cinquant sessant".split()
)


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
        # a school or a minor's age counts for the narrator's children ("mio figlio", "abbiamo due figli"), for
        # the narrator ("ho 16 anni", "faccio la terza al liceo X"), a relative ("mia sorella, 5 anni") or a
        # named child ("Pietro ha 9 anni e fa la quarta alla primaria X"); not for anyone's child in the news
        # ("una bambina di 8 anni", "ragazzi dai 12 ai 15 anni", "gli studenti del liceo X")
        famiglia_narratore = _famiglia_del_narratore(p)
        nomi = {k for e in entita if e.label == "PERSONA" for k in _dentro(p, e)}
        if any(e.scuola and (famiglia_narratore or _legato(p, e, _IO_SCUOLA, nomi)) for e in entita):
            motivi.append("quasi-identificativo: scuola dei figli nominata")
        minori = [
            e
            for e in entita
            if e.label == "ETA"
            and any(v < 18 for v in eta_in_anni(e.text))
            and (famiglia_narratore or _legato(p, e, _IO | _PARENTI, nomi))
        ]
        if minori:
            motivi.append("quasi-identificativo: età esatta di un minore")
        mestiere = sorted({p.norme[i] for i in range(len(p)) if p.norme[i] in MESTIERI_RARI and _mestiere_mio(p, i)})
        famiglia = sorted(
            {
                d
                for i in range(len(p))
                for d in (p.norme[i], " ".join(p.norme[i : i + 2]))
                if d in FAMIGLIA_SPECIFICA and _prima(p, i, 4, _IO | _PARENTI)
            }
        )
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


def _dentro(p: Parole, e: Span) -> range:
    """The tokens that start inside entity ``e``."""
    return range(bisect_left(p.inizi, e.start), bisect_left(p.inizi, e.end))


def _frase(p: Parole, i: int) -> int:
    """Index of the first token of the sentence of token ``i``."""
    while i > 0 and not _iniziale(p, i):
        i -= 1
    return i


def _prima(p: Parole, i: int, n: int, parole: frozenset[str]) -> bool:
    """Whether one of ``parole`` is among the ``n`` tokens before token ``i`` in its sentence."""
    return any(p.norme[k] in parole for k in range(max(_frase(p, i), i - n), i))


def _legato(p: Parole, e: Span, parole: frozenset[str], nomi: set[int]) -> bool:
    """Whether one of ``parole`` or a masked name (token indices ``nomi``) is among the 8 words before entity
    ``e`` or the 3 after it, in its sentence."""
    toks = _dentro(p, e)
    if not toks:
        return False
    a, b = toks[0], toks[-1]
    fine = b + 1
    while fine < len(p) and fine <= b + 3 and not _iniziale(p, fine):
        fine += 1
    inizio = max(_frase(p, a), a - 8)
    return any(p.norme[k] in parole or k in nomi for k in range(inizio, fine) if not a <= k <= b)


def _parente_mio(p: Parole, k: int) -> bool:
    """Token ``k`` is a relative of the narrator's: "mio marito", "la mia mamma", "papà"."""
    if p.norme[k] not in PARENTELA:  # with a possessive, a partner or a friend too ("il mio compagno")
        return False
    return any(p.norme[j] in _MIEI for j in range(max(_frase(p, k), k - 2), k)) or (
        p.norme[k] in ("mamma", "papa", "babbo", "nonno", "nonna") and (k == 0 or p.norme[k - 1] not in _ARTICOLI)
    )


_ARTICOLI = frozenset("il lo la l del della dello dal dalla al alla col un una".split())


def _famiglia_del_narratore(p: Parole) -> bool:
    """The narrator speaks of their children ("mio figlio", "le mie figlie", "abbiamo due figli", "i miei
    bambini"); not "i nostri ragazzi" of a mayor or a teacher."""
    for k in range(len(p)):
        n = p.norme[k]
        if n in _FIGLI or n in _BAMBINI:
            prima = p.norme[max(0, k - 2) : k]
            if (n in _FIGLI and any(w in _MIEI for w in prima)) or (n in _BAMBINI and "miei" in prima):
                return True
            if n in _FIGLI and len(prima) == 2 and prima[0] in _HO and prima[1] in _QUANTI:
                return True
    return False


_FIGLI = frozenset("figlio figlia figli figlie figlioletto figlioletta nipote nipoti nipotino nipotina".split())
_BAMBINI = frozenset("bambini bimbi".split())
_HO = frozenset("ho abbiamo avevo avevamo".split())
_QUANTI = frozenset("un una due tre quattro cinque sei sette otto".split())


def _mestiere_mio(p: Parole, i: int) -> bool:
    """The rare job at token ``i`` is the narrator's or a relative's: "sono farmacista", "faccio il fornaio",
    "lavoro come postina", "come farmacista, ho visto" (at a sentence start), "mia figlia fa la postina",
    "mio marito, il parroco", "il fornaio è mio padre";
    not a public office or a trade a news voice speaks of ("il sindaco di Frassinoro ha detto")."""
    inizio = _frase(p, i)
    k = i - 1
    while k >= inizio and k > i - 7 and (p.norme[k] in _TRA or p.norme[k].isdigit()):
        k -= 1
    if k >= inizio:
        participio = p.norme[k] in ("fatto", "lavorato")  # "ho fatto il fornaio", not "ha fatto il sindaco"
        if p.norme[k] in _IO_MESTIERE and (not participio or p.norme[k - 1] in ("ho", "abbiamo", "avevo")):
            return True
        if _parente_mio(p, k):  # "mio marito, il parroco"
            return True
        if p.norme[k] in _LUI_MESTIERE and any(_parente_mio(p, j) for j in range(max(inizio, k - 3), k)):
            return True
    elif p.norme[inizio] == "come":  # "Come farmacista del paese, ho visto..."
        return True
    # "il fornaio è mio padre", "il parroco, mio zio"
    dopo = range(i + 1, min(len(p), i + 6))
    return any(_parente_mio(p, j) for j in dopo if not any(_iniziale(p, m) for m in range(i + 1, j + 1)))
