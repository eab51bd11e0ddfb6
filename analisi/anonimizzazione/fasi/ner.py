"""Phase: the NER, run only on windows around the words it could call a name, place or body, and its
spans cleaned of the usual slips of a small model."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analisi.anonimizzazione.fasi.base import BaseAnonimizzatore
from analisi.anonimizzazione.nomi.parole import (
    AMBIGUO,
    COGNOME,
    KIND,
    NO,
    NOME,
    PARENTELA,
    PAROLA_COMUNE,
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
from analisi.anonimizzazione.risorse import normalizza
from analisi.anonimizzazione.tipi import Candidato

if TYPE_CHECKING:
    import spacy

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


class FaseNer(BaseAnonimizzatore):
    """The NER windows and the cleaning of the model's spans."""

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
