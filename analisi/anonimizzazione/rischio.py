"""Residual risk: how likely a person's name is still readable after anonymisation.

The rules and the model miss names in a few recognisable places: an unknown capitalised word in mid-sentence,
a lower-case word after an article in a chat, the word after a title or a kinship word ("la mia vicina
Ellen", "la prof di mate bertolini"), a word glued to a name already found, a span the model called a person
that the rules then dropped. Each such token left in clear is a *segnale* with a weight (the chance, on its
own, that it is a name); the story's risk is ``1 - prod(1 - weight)``. Stories written like a chat (lines
starting in lower case) and stories by or about minors weigh their signals more.

The weights were set by hand and checked with ``bench/valuta_anonimizzazione.py``, which prints the
trade-off (stories held vs auto-approved stories that still show a name) on KIND dev, WikiNEuRal and the
corpus; the threshold that holds a story is a setting (``NARRAZIONI_ANONIMIZZAZIONE__SOGLIA_RISCHIO_NOME``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from analisi.anonimizzazione.nomi.parole import (
    AMBIGUO,
    COGNOME,
    ELISI,
    IGNOTO,
    KIND,
    NOME,
    PARENTELA,
    PARLANTE,
    RUOLI,
    STRUTTURE,
    STRUTTURE_DOPO,
    TITOLI,
    Parole,
    _cammello,
    _iniziale,
    _santo,
    stile_chat,
)
from analisi.anonimizzazione.nomi.regole import RegoleNomi
from analisi.anonimizzazione.tipi import Candidato

#: Words that say the narrator (or the person spoken of) is a child or a teenager.
_MINORI = frozenset(
    (
        "media medie elementare elementari liceo dad prof professoressa maestra maestro compiti interrogazione "
        "verifica compagni compagne classe ricreazione campetto oratorio"
    ).split()
)
_DOPO_ARTICOLO = frozenset("il lo la l i gli le a ad da dal dalla al alla col con ciao ah eh x per".split())
#: adjectives that follow a kinship word or a title as cues ("mio figlio grande Yusuf"), not as names
_AGGETTIVI_DOPO_PARENTELA = frozenset(
    "grande piccolo piccola maggiore minore mezzano mezzana adorato adorata amato amata caro cara primo prima "
    "secondo seconda ultimo ultima povero povera".split()
)
#: a lower-case verb form with a clitic ("sbarazzarsene", "addormentarmi", "rifiutandosi", "lasciatosi"):
#: the lists miss such forms, but no first name or surname is written like that
_VERBO_CLITICO = re.compile(
    r"(?:ar|er|ir|and|end|at|ut|it)[aeio]?(?:mi|ti|si|ci|vi|lo|la|li|le|ne|gli|glie(?:lo|la|li|le|ne)|"
    r"[mtscv]ene|sel[aeio])$"
)

#: Italian description of each kind of signal (shown to the administrator, never with the word itself).
DESCRIZIONI: dict[str, str] = {
    "contesto": "parola dopo un titolo, una parentela o «mi chiamo»",
    "ner": "il modello la indica come persona",
    "vicino": "accanto a un nome trovato",
    "nome_lista": "nome di persona noto lasciato in chiaro",
    "maiuscola": "parola sconosciuta con la maiuscola",
    "minuscola": "parola sconosciuta in minuscolo dopo un articolo",
    "minuscola_nome": "nome di persona in minuscolo",
    "parlante": "chi scrive in una chat («Ste: arrivo»)",
    "coordinata": "in un elenco con un nome trovato («[PERSONA] e Ricotti»)",
    "altrove": "parola di un nome mascherato altrove nel racconto",
}
_COORDINANTI = frozenset({"e", "ed", "o", "oppure"})
_FUNZIONALI = frozenset(
    "della dello delle degli dalla dalle dallo dagli nella nelle nello negli sulla sulle sullo sugli alla alle "
    "allo agli senza verso sopra sotto dopo prima contro presso circa".split()
)
#: a surname's prefix glued to a capital ("McKay", "DeStefano", "LeBron"): 37 of 41 such words are names in
#: KIND train, WikiNEuRal A and the stories, wherever they stand in the sentence
_COGNOME_CAMMELLO = re.compile(r"^(?:Mc|Mac|De|Di|Da|Del|Dal|La|Le|Lo|Van|Von)[A-Z][a-z]{2,}$")

#: a signal below this weight is weak; weak signals together weigh at most ``TETTO_DEBOLI`` (see :func:`rischio`)
PESO_DEBOLE = 0.2
TETTO_DEBOLI = 0.2

_MOTIVO_RE = re.compile(r"^rischio nome: .*\((\d+)-(\d+)\)$")


@dataclass(frozen=True)
class Segnale:
    """A token left in clear that may be a name; offsets into the ORIGINAL text.

    ``chiave`` names the decision the signal doubts: the word (lower case, no accents) or, inside a span the
    model called a person, that span's words. Signals with one key are one doubt, not several: "Grenoble"
    written three times, or "Purple" and "Rain" of one span, count once in :func:`rischio`.
    """

    start: int
    end: int
    peso: float
    tipo: str
    chiave: str = ""

    def motivo(self) -> str:
        return f"rischio nome: {DESCRIZIONI[self.tipo]}, peso {self.peso:.2f} ({self.start}-{self.end})"


def rischio(segnali: Sequence[Segnale]) -> float:
    """The chance that at least one doubt is a name: the heaviest signal of each key (a word repeated, the
    words of one span of the model) taken once, the keys taken as independent. A story full of names all
    found does not add up to a risk through the same unknown word written again and again."""
    pesi: dict[str, float] = {}
    for k, s in enumerate(segnali):
        chiave = s.chiave or f"#{k}"
        pesi[chiave] = max(pesi.get(chiave, 0.0), s.peso)
    resto = deboli = 1.0
    for peso in pesi.values():
        if peso < PESO_DEBOLE:
            deboli *= 1.0 - peso
        else:
            resto *= 1.0 - peso
    # weak signals (a capitalised word no list knows, a word next to a name) are not independent: in a
    # text dense with names and bodies, news above all, they come by the dozen and are nearly never a name
    # (KIND train: 3 in 100), so together they weigh at most TETTO_DEBOLI
    resto *= 1.0 - min(TETTO_DEBOLI, 1.0 - deboli)
    return round(1.0 - resto, 4)


def segnali_nei_motivi(motivi: Sequence[str]) -> list[tuple[int, int]]:
    """The offsets of the risky tokens named in ``motivi`` (for the review page to highlight them)."""
    out = []
    for m in motivi:
        trovato = _MOTIVO_RE.match(m)
        if trovato:
            out.append((int(trovato.group(1)), int(trovato.group(2))))
    return out


def riguarda_minori(p: Parole, eta_minore: bool) -> bool:
    return eta_minore or sum(1 for n in p.norme if n in _MINORI) >= 2


def _in_parallelo(p: Parole, i: int, persona_inizio: set[int], persona_fine: set[int]) -> bool:
    """Whether token ``i`` stands where a masked name stands in a parallel phrase: the same one to three
    lower-case words before both, joined by "e"/"o" ("un precedente Ricotti e un precedente [PERSONA]",
    "il collega [PERSONA] o il collega Ferretti")."""
    n = len(p)
    for k in (1, 2, 3):
        if i - k < 0 or not all(p.testi[j].islower() for j in range(i - k, i)):
            break
        prima = p.norme[i - k : i]
        if not any(len(w) >= 5 and w not in _FUNZIONALI for w in prima):
            continue  # "a Lipsia e a [LUOGO]", "il Mar Ligure e il Canale": only a content word makes a slot
        # X ... e <prima> [PERSONA]
        j = i + 1
        if (
            j + k < n
            and p.norme[j] in _COORDINANTI
            and p.norme[j + 1 : j + 1 + k] == prima
            and p.inizi[j + 1 + k] in persona_inizio
        ):
            return True
        # <prima> [PERSONA] e <prima> X : the words before X follow "e"/"o" after a name found
        c = i - k - 1
        if c >= 1 and p.norme[c] in _COORDINANTI and p.fini[c - 1] in persona_fine:
            fine_nome = c - 1
            while fine_nome >= 0 and p.inizi[fine_nome] not in persona_inizio:
                fine_nome -= 1
            if fine_nome - k >= 0 and p.norme[fine_nome - k : fine_nome] == prima:
                return True
    return False


def _dopo_struttura(p: Parole, i: int) -> bool:
    """Whether token ``i`` names a building, a place or a body: it follows the word for one, maybe after an
    opening quote ("il conservatorio Cherubini", "l'Ospedale \"Perrino\"", "il progetto «Quotidiano»")."""
    return i > 0 and p.norme[i - 1] in STRUTTURE and p.spazio_prima(i) in (" ", ' "', " «", " “")


class ValutatoreRischio:
    """Finds the signals of one anonymised story."""

    def __init__(self, regole: RegoleNomi) -> None:
        self.regole = regole
        self.lx = regole.lx

    def segnali(
        self,
        p: Parole,
        scelti: Sequence[Candidato],
        protetti_tok: Sequence[str | None],
        persone_ner: Sequence[tuple[int, int]] = (),
        eta_minore: bool = False,
    ) -> list[Segnale]:
        n = len(p)
        if n == 0:
            return []
        coperto = [False] * n
        persona_fine: set[int] = set()
        persona_inizio: set[int] = set()
        # any name masked (the model may call a surname a place or a body: "un precedente [LUOGO_1]")
        entita_fine: set[int] = set()
        entita_inizio: set[int] = set()
        for c in scelti:
            for i in p.indici(c.start, c.end):
                coperto[i] = True
            if c.label == "PERSONA":
                persona_fine.add(c.end)
                persona_inizio.add(c.start)
            if c.label in ("PERSONA", "LUOGO", "ORGANIZZAZIONE"):
                entita_fine.add(c.end)
                entita_inizio.add(c.start)
        dal_ner = [False] * n
        chiave_ner: dict[int, str] = {}
        struttura_ner: set[int] = set()
        for s, e in persone_ner:
            dentro = p.indici(s, e)
            if not dentro:
                continue
            for i in dentro:
                dal_ner[i] = True
            chiave = "ner:" + " ".join(p.norme[i] for i in dentro)
            # "Trump Tower", "Central Park", "Lord Buddha Foundation", "Città Studi": a building or a body
            # named after (or like) a person, the rules dropped it for that; the model's doubt weighs less
            # (or after the word for one: "il conservatorio Cherubini", "il parco Ducale", "l'ospedale Estense")
            dopo = dentro[-1] + 1
            struttura = (
                any(p.norme[i] in STRUTTURE_DOPO or p.norme[i] in STRUTTURE for i in dentro[1:])
                or (dopo < n and p.norme[dopo] in STRUTTURE_DOPO and p.spazio_prima(dopo) == " ")
                or p.norme[dentro[0]] in STRUTTURE
                or _dopo_struttura(p, dentro[0])
            )
            for i in dentro:
                chiave_ner[i] = chiave
                if struttura:
                    struttura_ner.add(i)
        # the words of the names found: the same word left in clear elsewhere (where the propagation
        # would not mask it: a sentence start, a function word, "Dalla era...") may be the same person
        parole_persone: set[str] = set()
        for c in scelti:
            if c.label == "PERSONA":
                for i in p.indici(c.start, c.end):
                    if len(p.norme[i]) >= 3 and p.norme[i] not in TITOLI and p.testi[i][0].isupper():
                        parole_persone.add(p.norme[i])
        chat = stile_chat(p)
        minori = riguarda_minori(p, eta_minore)
        parlanti, dopo_parlante = self._parlanti(p)
        lx = self.lx
        out: list[Segnale] = []
        for i in range(n):
            t = p.testi[i]
            norma = p.norme[i]
            prot = protetti_tok[i]
            if (
                coperto[i]
                or not t.isalpha()
                or len(t) < 2
                or (prot is not None and prot != "luogo")
                or norma in lx.non_nomi
                or norma in TITOLI
                or norma in ELISI
                or norma in PARENTELA
                or norma in RUOLI
            ):
                continue
            maiuscola = t[0].isupper()
            if not maiuscola and len(norma) > 6 and _VERBO_CLITICO.search(norma):
                continue
            noto = self.regole._noto(t.lower(), norma)
            iniziale = _iniziale(p, i)
            peso, tipo = 0.0, ""

            def alza(valore: float, chi: str) -> None:
                nonlocal peso, tipo
                if valore > peso:
                    peso, tipo = valore, chi

            if prot is None:
                forte, debole = self.regole._contesto(p, i)
                di_materia = (
                    i >= 3
                    and p.norme[i - 2] == "di"
                    and p.norme[i - 3] in TITOLI
                    and p.spazio_prima(i) == " "
                    and p.spazio_prima(i - 1) == " "
                )
                if forte or di_materia:
                    if not noto:
                        alza(0.6, "contesto")
                    elif maiuscola and not iniziale:
                        alza(0.3, "contesto")
                    elif norma in _AGGETTIVI_DOPO_PARENTELA:
                        pass  # "mio fratello grande", "la figlia primo..." : the cue, not the name
                    elif norma in lx.ambigui or norma in lx.nomi:
                        # "mio figlio andrei", "la mia vicina rosa": names written in lower case, as in a
                        # chat; in a text written with capitals "il fratello russo" is an adjective
                        alza(0.3 if chat or maiuscola else 0.1, "contesto")
                elif debole and not noto and (maiuscola or chat):
                    alza(0.3, "contesto")
                dopo_articolo = i > 0 and p.norme[i - 1] in _DOPO_ARTICOLO and p.spazio_prima(i) == " "
                if maiuscola and _COGNOME_CAMMELLO.match(t):
                    alza(0.5, "maiuscola")
                if maiuscola and not t.isupper():
                    tipo_parola = self.regole.tipo(p, i, iniziale, False)[0]
                    if tipo_parola in (NOME, COGNOME, KIND):
                        if not _dopo_struttura(p, i):  # "piazza Carducci", "il premio Oscar": a place, a prize
                            alza(0.15 if iniziale else 0.2, "nome_lista")
                    elif tipo_parola == IGNOTO or (tipo_parola == AMBIGUO and not iniziale):
                        alza(0.1 if iniziale or tipo_parola == AMBIGUO else 0.15, "maiuscola")
                    elif not iniziale and _cammello(t) and not noto:
                        alza(0.15, "maiuscola")  # "DeStefano", "XXXTentacion": the lists skip camel case
                    elif dopo_articolo and not iniziale and p.norme[i - 1] in ("il", "la"):
                        alza(0.1, "maiuscola")  # "il Bracco", "il Ventura"
                elif not maiuscola and len(norma) >= 3:
                    if norma in lx.nomi and not noto:
                        alza(0.4 if chat else 0.15, "minuscola_nome")
                    elif chat and dopo_articolo and (norma in lx.ambigui_nomi or norma in lx.nomi):
                        alza(0.3, "minuscola_nome")  # "la mina", "dalla nella" in a chat
                    elif not noto and dopo_articolo:
                        alza(0.3 if chat else 0.02, "minuscola")
            vicino = (i > 0 and p.fini[i - 1] in persona_fine and p.spazio_prima(i) == " ") or (
                i + 1 < n and p.inizi[i + 1] in persona_inizio and p.spazio_prima(i + 1) == " "
            )
            if vicino and maiuscola and not iniziale and not t.isupper() and norma not in STRUTTURE:
                # a place of the allow-list next to a name ("Mario Rossi, Madrid") is rarely a surname
                alza(0.05 if prot == "luogo" else 0.2 if not noto else 0.1, "vicino")
            if maiuscola and not iniziale and not t.isupper() and prot is None and norma not in STRUTTURE:
                # in a list with a name found: "[PERSONA] e Ricotti", "Ricotti o [PERSONA]", "Ricotti, [PERSONA]"
                coordinata = (
                    (i >= 2 and p.norme[i - 1] in _COORDINANTI and p.fini[i - 2] in persona_fine)
                    or (i + 2 < n and p.norme[i + 1] in _COORDINANTI and p.inizi[i + 2] in persona_inizio)
                    or (i > 0 and p.fini[i - 1] in persona_fine and p.spazio_prima(i) == ", ")
                    or (i + 1 < n and p.inizi[i + 1] in persona_inizio and p.spazio_prima(i + 1) == ", ")
                )
                if coordinata:
                    alza(0.15 if noto else 0.25, "coordinata")
                elif _in_parallelo(p, i, entita_inizio, entita_fine):
                    alza(0.3, "coordinata")
            if i in parlanti:
                if not noto or norma in lx.nomi or norma in lx.ambigui:
                    alza(0.5, "parlante")
                elif len(norma) <= 4:
                    alza(0.3, "parlante")  # "Ste:", "Vale:" (a short word is a nickname; "Domanda:" is none)
            elif i in dopo_parlante and not maiuscola and (norma in lx.nomi or norma in lx.ambigui_nomi):
                alza(0.3, "minuscola_nome")  # "paola: rosa per ora sta bene"
            if maiuscola and norma in parole_persone and not _dopo_struttura(p, i):
                alza(0.3, "altrove")  # (not "la scala Richter" after a Richter found)
            if dal_ner[i] and (maiuscola or not noto) and not (i > 0 and _santo(p, i - 1)):
                # (a saint's name is a church, a town, a feast: "San Geminiano")
                alza(0.1 if i in struttura_ner else 0.3 if prot is None else 0.12, "ner")
            if peso <= 0:
                continue
            if minori:
                peso = min(0.95, peso * 1.3)
            out.append(Segnale(p.inizi[i], p.fini[i], round(peso, 3), tipo, chiave_ner.get(i, norma)))
        return out

    @staticmethod
    def _parlanti(p: Parole) -> tuple[set[int], set[int]]:
        """In a transcript (some "label:" at a line start comes back), the tokens of the labels and the
        first token after each label's colon."""
        testo = p.testo
        if testo.count(":") < 2:
            return set(), set()
        righe = list(PARLANTE.finditer(testo))
        etichette = [m.group("nome").lower() for m in righe]
        if len(etichette) == len(set(etichette)):
            return set(), set()
        dentro: set[int] = set()
        dopo: set[int] = set()
        for m in righe:
            if m.group("nome").isupper():
                continue
            k = bisect_left(p.inizi, m.start("nome"))
            while k < len(p) and p.fini[k] <= m.end("nome"):
                dentro.add(k)
                k += 1
            k = bisect_left(p.inizi, m.end())
            if k < len(p) and "\n" not in testo[m.end() : p.inizi[k]]:
                dopo.add(k)
        return dentro, dopo


__all__ = ["DESCRIZIONI", "Segnale", "ValutatoreRischio", "rischio", "segnali_nei_motivi", "stile_chat"]
