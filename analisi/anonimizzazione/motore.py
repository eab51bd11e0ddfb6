"""The anonymiser: NER + recognizers + name rules, allow-list, overlaps, placeholders, review flags."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from analisi.anonimizzazione.nomi.parole import (
    AMBIGUO,
    COGNOME,
    KIND,
    NO,
    NOME,
    PARENTELA,
    PAROLA_COMUNE,
    PARTICELLE,
    RUOLI,
    STRUTTURE,
    STRUTTURE_DOPO,
    TITOLI,
    Parole,
    _iniziale,
    _santo,
    dopo_luogo_di,
    dopo_preposizione_di_luogo,
)
from analisi.anonimizzazione.nomi.regole import RegoleNomi
from analisi.anonimizzazione.riconoscitori import trova_strutturati
from analisi.anonimizzazione.riconoscitori.date_eta import eta_in_anni, trova_eta
from analisi.anonimizzazione.rischio import ValutatoreRischio, rischio
from analisi.anonimizzazione.risorse import Frasario, lessico, normalizza, parole_di
from analisi.anonimizzazione.segnaposto import RICONOSCIUTI_RE, Numerazione, etichetta_entita, superfici
from analisi.anonimizzazione.tipi import (
    FONTE_SCUOLA,
    STRUTTURATE,
    Candidato,
    Entita,
    Esito,
)
from archivio.impostazioni import SOGLIA_RISCHIO_NOME

if TYPE_CHECKING:
    import spacy

#: Placeholders already in a text (anonymising anonymised text must change nothing): :mod:`.segnaposto`.
SEGNAPOSTO_RE = RICONOSCIUTI_RE

#: words of context on each side of a candidate word given to the NER
FINESTRA_NER = 8
_FINE_FRASE = re.compile(
    # the look-behinds come after the first mark so that they are tried only at punctuation
    r"[.!?…](?<!\b[A-Z]\.)(?<!\bdott\.)(?<!\bsig\.)(?<!\bprof\.)(?<!\bavv\.)(?<!\bing\.)(?<!\bsigg\.)"
    r"(?<!\bdr\.)(?<!\bSt\.)[.!?…]*(?=\s)|\n"
)
_ARTICOLI_NER = frozenset(
    ("il lo la i gli le l un una dell della del dal dalla all alla al sig dott ssa ra mio mia suo sua").split()
)
_ETICHETTE_NER = {
    "PER": "PERSONA",
    "PERSON": "PERSONA",
    "LOC": "LUOGO",
    "GPE": "LUOGO",
    "ORG": "ORGANIZZAZIONE",
}

# Resolution order: validated identifiers first, then the spans that contain names (addresses, schools).
_LIVELLO = {label: 0 for label in STRUTTURATE}
_LIVELLO.update({"INDIRIZZO": 1, "DATA_NASCITA": 1, "ETA": 2, "PERSONA": 3, "ORGANIZZAZIONE": 4, "LUOGO": 5})

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
_FONTE_ISTITUZIONE = "ner:istituzione"
#: first words of the names of public bodies, plans and services, which the analysis needs in clear
#: ("Assessorato Politiche per la salute", "Piano Regionale", "Pediatria di Comunità", "Comune di ...")
TESTE_ISTITUZIONALI = frozenset(
    (
        "assessorato assessorati direzione agenzia piano commissione comitato consulta patto bilancio "
        "ambulatorio ambulatori pediatria servizio servizi ufficio uffici distretto tavolo tavoli cabina "
        "osservatorio dipartimento settore programma fondo regolamento legge decreto delibera consiglio "
        "giunta conferenza sportello politiche edilizia residenziale comune comuni unione regione provincia "
        "ministero prefettura questura tribunale procura"
    ).split()
)


def _componenti_ner(nlp: spacy.Language) -> tuple[bool, list[str]]:
    """Whether ``nlp`` has a NER, and the components to disable to run only the NER.

    Kept: the NER, the tok2vec it listens to (it_core_news_*), and a label normaliser placed after it
    (``analisi.lingua`` adds one named "etichette" to foreign models).
    """
    nomi = list(nlp.pipe_names)
    ner = [n for n in nomi if n == "ner" or n.endswith("_ner") or n.startswith("ner")]
    if not ner:
        return False, nomi
    servono = set(ner) | {"etichette"}
    for nome, pipe in nlp.pipeline:
        ascoltatori = getattr(pipe, "listening_components", None) or []
        if any(a in servono for a in ascoltatori):
            servono.add(nome)
    return True, [n for n in nomi if n not in servono]


class Anonimizzatore:
    """Italian anonymiser: one instance per process, reused for every story.

    Args:
        nlp: a spaCy pipeline whose NER emits PER/LOC/ORG (only the NER runs), or ``None`` for rules only.
        consentiti: names kept in clear (associations of the corpus, other allowed bodies).
        figure_pubbliche: public figures kept in clear (their surname alone too).
        soglia_revisione: entities scored below it send the story to review.
        soglia_rischio: a residual risk of a readable name (:mod:`.rischio`) at or above it sends the story
            to review (``NARRAZIONI_SOGLIA_RISCHIO_NOME``; above 1 never).
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

    def _frasi_per_ner(self, p: Parole, protetti_tok: Sequence[str | None]) -> list[tuple[int, int]]:
        """The stretches of text worth the NER (all of it when gating is off), as character spans.

        Around each candidate word, ``FINESTRA_NER`` words on either side within its sentence: the model's
        receptive field is a few words, so the window sees what the whole sentence would show it.
        """
        testo = p.testo
        if not self.ner_solo_frasi_candidate:
            return [(0, len(testo))]
        fini_frase = [m.end() for m in _FINE_FRASE.finditer(testo)]
        tratti: list[tuple[int, int]] = []
        n = len(p)
        for i, t in enumerate(p.testi):
            if not t[0].isupper() or protetti_tok[i] is not None:
                continue
            iniziale = _iniziale(p, i)
            tipo = self._regole.tipo(p, i, iniziale, False)[0]
            if tipo == NO or (iniziale and tipo == PAROLA_COMUNE):
                continue
            k = bisect_right(fini_frase, p.inizi[i])
            inizio_frase = fini_frase[k - 1] if k > 0 else 0
            fine_frase = fini_frase[k] if k < len(fini_frase) else len(testo)
            a = max(inizio_frase, p.inizi[max(0, i - FINESTRA_NER)])
            b = min(fine_frase, p.fini[min(n - 1, i + FINESTRA_NER)])
            if tratti and a <= tratti[-1][1]:
                tratti[-1] = (tratti[-1][0], max(b, tratti[-1][1]))
            else:
                tratti.append((a, b))
        return tratti

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

    def _epiteti(self, scelti: list[Candidato], p: Parole, protetti_tok: Sequence[str | None]) -> list[Candidato]:
        """A first name (or a sovereign's numeral) followed by "di"/"del"/"d'" and a capitalised name takes it
        in: "Isabella di Castiglia", "Federico II di Svevia", "Andrea del Sarto", "Jacopo da Lentini"."""
        out: list[Candidato] = []
        salta = -1
        for k, c in enumerate(scelti):
            if k == salta:
                continue
            if c.label == "PERSONA":
                ultimo = bisect_left(p.fini, c.end)
                if ultimo < len(p) and p.fini[ultimo] == c.end and ultimo + 2 < len(p):
                    fine = self._fine_epiteto(p, ultimo, protetti_tok)
                    dopo = scelti[k + 1] if k + 1 < len(scelti) else None
                    if fine is not None and dopo is not None and dopo.start < fine:
                        # the place or name after "di" was found on its own ("Castiglia"): it joins
                        if dopo.start == p.inizi[ultimo + 2] and dopo.label in ("PERSONA", "LUOGO", "ORGANIZZAZIONE"):
                            fine = max(fine, dopo.end)
                            salta = k + 1
                        else:
                            fine = None
                    if fine is not None:
                        c = Candidato(c.start, fine, c.label, c.score, c.fonte, c.forte)
            out.append(c)
        return out

    def _fine_epiteto(self, p: Parole, ultimo: int, protetti_tok: Sequence[str | None]) -> int | None:
        nome = p.norme[ultimo]
        if not (nome in self._lessico.nomi or _ROMANO.match(p.testi[ultimo])):
            return None
        prep = ultimo + 1
        if p.norme[prep] not in _PREP_EPITETO or p.spazio_prima(prep) != " ":
            return None
        if p.spazio_prima(prep + 1) not in ((" ",) if p.norme[prep] != "d" else ("'", "’")):
            return None
        j = prep + 1
        if p.norme[j] in self._lessico.nomi:
            return None  # "Sofia di Giulia": two people
        # a place after a plain first name is where the person lives ("Lina di Vignola"): it stays in clear;
        # after a sovereign's numeral it is part of the name ("Federico II di Svevia")
        luogo_ammesso = _ROMANO.match(p.testi[ultimo]) is not None
        fine = None
        while j < len(p) and j <= prep + 2:
            t = p.testi[j]
            prot = protetti_tok[j]
            if not t[0].isupper() or t.isupper() or (prot is not None and not (prot == "luogo" and luogo_ammesso)):
                break
            if p.norme[j] in STRUTTURE:
                break  # "Laura della Farmacia Centrale": her workplace, not her name
            if j > prep + 1 and p.spazio_prima(j) != " ":
                break
            fine = p.fini[j]
            j += 1
        return fine

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

    def _da_ner(
        self, ents: Iterable[tuple[int, int, str, str]], p: Parole, protetti_tok: Sequence[str | None]
    ) -> list[Candidato]:
        """The model's PER/LOC/ORG spans, cleaned: titles and bullets trimmed, lines split, and the usual
        slips of a small model dropped (a capitalised verb at a sentence start, an acronym, a common noun)."""
        out = []
        for start, _, etichetta, testo in ents:
            label = _ETICHETTE_NER.get(etichetta)
            if label is None:
                continue
            inizio = start
            for riga in testo.split("\n"):
                c = self._pulisci_ner(label, inizio, riga, p, protetti_tok)
                if c is not None:
                    out.append(c)
                inizio += len(riga) + 1
        return out

    def _pulisci_ner(
        self, label: str, start: int, testo: str, p: Parole, protetti_tok: Sequence[str | None]
    ) -> Candidato | None:
        lx = self._lessico
        # drop leading bullets, titles and articles the model may include ("• il dottor Rossi")
        while testo and not testo[0].isalnum():
            start += 1
            testo = testo[1:]
        while True:
            m = re.match(r"[^\W\d_]+['’]?\.?\s*", testo)
            if not m or m.end() >= len(testo):
                break
            parola = normalizza(re.sub(r"[^\w]", "", m.group()))
            if (
                parola in TITOLI
                or parola in _ARTICOLI_NER
                or (label == "PERSONA" and (parola in PARENTELA or parola in RUOLI))
            ):
                start += m.end()
                testo = testo[m.end() :]
                continue
            break
        testo = testo.rstrip(" .,;:'’\"()[]•-–")
        end = start + len(testo)
        if end <= start:
            return None
        indici = [i for i in range(bisect_left(p.inizi, start), len(p)) if p.inizi[i] < end]
        if not indici:
            return None
        tipi = [self._regole.tipo(p, i, k == 0 and _iniziale(p, i), False)[0] for k, i in enumerate(indici)]
        maiuscole = [i for i in indici if p.testi[i][0].isupper() or p.testi[i].isdigit()]
        nomi = [k for k in tipi if k in (NOME, COGNOME, KIND, AMBIGUO)]
        comuni = all(k in (PAROLA_COMUNE, NO) or protetti_tok[i] is not None for k, i in zip(tipi, indici, strict=True))
        if not maiuscole and (label != "PERSONA" or not any(p.norme[i] in lx.nomi for i in indici)):
            return None  # lower-case spans: the rules handle "mia figlia giulia"
        if label != "PERSONA" and len(indici) == 1 and tipi[0] == NOME and protetti_tok[indici[0]] is None:
            label = "PERSONA"  # "Vilma" called a body by a small model: a first name is a person
        if len(indici) == 1 and not nomi:
            t = p.testi[indici[0]]
            # an ordinary Italian word ("Sveglia alle 7", "lo Spazio"), any ordinary word opening a sentence,
            # an acronym ("l'ADI") or a number ("il 118") is not a name nor a body; an English word in the
            # middle of an Italian sentence may be one ("Prince", "Superman")
            italiana = t.lower() in lx.vocabolario_it or p.norme[indici[0]] in lx.vocabolario_it
            i0 = indici[0]
            # "un signore di Sant'Agnese, il Giordani, che...": the model and an article before a capitalised
            # word in mid-sentence agree on a surname, even one that is also a word
            cognome_con_articolo = (
                label == "PERSONA"
                and tipi[0] == PAROLA_COMUNE
                and not _iniziale(p, i0)
                and i0 > 0
                and p.norme[i0 - 1] in ("il", "la")
                and p.spazio_prima(i0) == " "
                and not _iniziale(p, i0 - 1)
                and p.norme[i0] not in lx.non_nomi
            )
            if (
                tipi[0] == NO
                or (tipi[0] == PAROLA_COMUNE and (italiana or _iniziale(p, i0)) and not cognome_con_articolo)
                or (t.isupper() and len(t) <= 6)
                or t.isdigit()
            ):
                return None
            if cognome_con_articolo:
                return Candidato(start, end, label, 0.6, "ner")
        if label != "PERSONA" and p.norme[indici[0]] in TESTE_ISTITUZIONALI and not nomi:
            # "Assessorato Politiche per la salute", "Agenzia Regionale": public bodies stay in clear, but
            # still tell the rules that the words inside are not a person
            return Candidato(start, end, label, 0.0, _FONTE_ISTITUZIONE)
        if comuni and not nomi:
            if label == "PERSONA" or _iniziale(p, indici[0]):
                return None  # "Politiche Sociali", "Accompagnamento" at a line start
            return Candidato(start, end, label, 0.5, "ner")  # "alle Fonderie Riunite": a workplace
        if label == "PERSONA":
            prima = indici[0] - 1
            if dopo_luogo_di(p, indici[0]) or (
                not nomi
                and (
                    dopo_preposizione_di_luogo(p, indici[0])
                    or (prima >= 0 and p.norme[prima] == "da" and p.spazio_prima(indici[0]) == " ")
                )
            ):
                return None  # "a Colleferro", "presso Altavilla", "dell'Aulin": an unknown word there is a place
            if _santo(p, indici[0]) and len(indici) > 1:
                return None  # "San Piero", "Sant'Emidio": a church, a place or a feast
            if (
                prima >= 0
                and p.norme[prima] in STRUTTURE
                and p.spazio_prima(indici[0]) in (" ", ' "', " «")
                and NOME not in tipi
            ):
                return None  # "piazza Carducci", "palazzo Renzoni", 'ospedale "Perrino"' (not "Università Fabio Mussi")
            if any(p.norme[i] in STRUTTURE_DOPO or p.norme[i] in STRUTTURE for i in indici[1:]):
                return None  # "Trump Tower", "Lord Buddha Foundation"
            return Candidato(start, end, label, 0.9 if nomi else 0.8, "ner")
        if (
            all(not p.testi[i][0].isupper() or protetti_tok[i] is not None for i in indici[1:])
            and protetti_tok[indici[0]] is not None
        ):
            return None  # "Comune di pensarci": an allowed body and lower-case words
        return Candidato(start, end, label, 0.6, "ner")

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

    # --------------------------------------------------------------------------------- the result
    def _esito(
        self,
        testo: str,
        scelti: list[Candidato],
        p: Parole,
        protetti_tok: Sequence[str | None],
        persone_ner: Sequence[tuple[int, int]] = (),
    ) -> Esito:
        entita = [Entita(c.start, c.end, c.label, testo[c.start : c.end], round(c.score, 3), c.fonte) for c in scelti]
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

    def _motivi(self, entita: list[Entita], p: Parole, protetti_tok: Sequence[str | None]) -> list[str]:
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

    def _incerti(self, entita: Sequence[Entita]) -> list[str]:
        """Masked entities scored below ``soglia_revisione`` (maybe no personal data at all)."""
        return [
            f"bassa confidenza: {e.label} {e.start}-{e.end} ({e.score:.2f})"
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


def _risolvi(candidati: list[Candidato], testo: str) -> list[Candidato]:
    """Non-overlapping spans: identifiers first, then longer and surer spans; adjacent names merged."""
    ordinati = sorted(candidati, key=lambda c: (_livello(c), -c.lunghezza, -c.score))
    scelti: list[Candidato] = []
    for c in ordinati:
        if c.end <= c.start:
            continue
        sovrapposti = [s for s in scelti if c.start < s.end and s.start < c.end]
        if sovrapposti:
            if c.label not in ("PERSONA", "LUOGO", "ORGANIZZAZIONE") or c.fonte == FONTE_SCUOLA:
                continue
            resto = _resto(c, sovrapposti, testo)  # "Giulia IT60 X054...": the name outside the IBAN counts
            if resto is None or any(resto.start < s.end and s.start < resto.end for s in scelti):
                continue
            c = resto
        scelti.append(c)
    scelti.sort(key=lambda c: c.start)
    return _unisci_persone(scelti, testo, lessico().nomi)


def _resto(c: Candidato, sovrapposti: Sequence[Candidato], testo: str) -> Candidato | None:
    """The longest part of a name span outside the spans already chosen, if it still holds a word."""
    libero = [True] * c.lunghezza
    for s in sovrapposti:
        for k in range(max(s.start, c.start), min(s.end, c.end)):
            libero[k - c.start] = False
    migliore: tuple[int, int] | None = None
    k = 0
    while k < len(libero):
        if libero[k]:
            j = k
            while j < len(libero) and libero[j]:
                j += 1
            if migliore is None or j - k > migliore[1] - migliore[0]:
                migliore = (k, j)
            k = j
        else:
            k += 1
    if migliore is None:
        return None
    inizio, fine = c.start + migliore[0], c.start + migliore[1]
    while inizio < fine and not testo[inizio].isalnum():
        inizio += 1
    while fine > inizio and not testo[fine - 1].isalnum():
        fine -= 1
    if sum(ch.isalpha() for ch in testo[inizio:fine]) < 2:
        return None
    return Candidato(inizio, fine, c.label, c.score, c.fonte, c.forte)


def _livello(c: Candidato) -> int:
    if c.fonte == FONTE_SCUOLA:
        return 1
    return _LIVELLO.get(c.label, 6)


_PREP_EPITETO = frozenset(("di", "del", "della", "dei", "degli", "d"))
_ROMANO = re.compile(r"^[IVX]+$")

#: what may separate a first name from its surname inside one name ("Arturo di Corinto", "Maria De Luca")
_GIUNTA_NOME = re.compile(r"[ \u00a0](?:di|de|del|della|dei|degli|van|von|de la) ")
#: a title written inside the name, as KIND annotates it ("don Giussani", "Sir Elton John")
_TITOLO_DENTRO = re.compile(r"(?:^|(?<=[\s(«\"“]))(?:[Dd]on|Sir) $")


def _unisci_persone(scelti: list[Candidato], testo: str, nomi: frozenset[str]) -> list[Candidato]:
    """ "Giulia" + "Rossi" found by two rules become one name when only a space (or a surname particle:
    "Arturo di Corinto") separates them; "don" before a name is part of it."""
    out: list[Candidato] = []
    for c in scelti:
        if c.label == "PERSONA":
            m = _TITOLO_DENTRO.search(testo, max(0, c.start - 5), c.start)
            if m and (not out or out[-1].end <= m.start()):
                c = Candidato(m.start(), c.end, "PERSONA", c.score, c.fonte, c.forte)
        if out and c.label == "PERSONA" and out[-1].label == "PERSONA":
            prec = out[-1]
            tra = testo[prec.end : c.start]
            giunta = (
                _GIUNTA_NOME.fullmatch(tra) is not None
                and testo[c.start].isupper()
                and normalizza(testo[c.start : c.end].split()[0]) not in nomi  # "Maria di Giorgio": two people
            )
            if 0 < len(tra) <= 1 or giunta:
                out[-1] = Candidato(
                    prec.start, c.end, "PERSONA", max(prec.score, c.score), prec.fonte, prec.forte or c.forte
                )
                continue
        out.append(c)
    return out


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
