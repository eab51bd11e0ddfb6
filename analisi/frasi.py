"""Sentence splitting with character offsets, for narratives written the way people write.

Rules, in order:

* a line break ends a sentence (chat-style lines, lists, paragraphs); list markers (``-``, ``•``, ``1.``,
  ``a)``) are left out of the sentence;
* inside a line, ``.!?…`` (or a run of them, ``!!!``, ``?!``) followed by a space ends a sentence when the
  next word starts with a capital, a digit, a quote, a dash or a placeholder — unless the dot belongs to a
  known abbreviation ("dott.", "v.le", "ecc.") or an initial ("G. Rossi");
* people who do not capitalise: ``.!?`` followed by a lower-case word also ends a sentence, but not an
  ellipsis (``e poi... niente`` is a pause) and not the dialogue pattern ``"Stai bene?" mi chiese``;
* an emoji or an emoticon (``:)``) followed by more words ends a sentence (chat writing);
* a missing full stop before a capitalised function word that cannot be a name inside a sentence
  (``... in smart working Io lavoro ...``) ends a sentence;
* very long unpunctuated runs are cut at a conjunction after a comma, or at a capitalised function word.

The quality on the corpus gold and on degraded copies of it (no capitals, no full stops, chat style) is
measured by :func:`valuta_confini` (see ``analisi/codifica/MODEL_CARD.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ABBREVIAZIONI = frozenset(
    "dott dott.ssa dr sig sig.ra sigg prof prof.ssa avv ing arch geom rag on sen dott.sa "
    "ecc es pag tel cell fax n nr num art sez cap ca circa cfr vol vs "
    "v.le p.zza p.le c.so str loc fraz "
    "gen feb mar apr mag giu lug ago set sett ott nov dic "
    "s.r.l s.p.a a.s.d a.p.s o.d.v p.es".split(" ")
)
# Capitalised words that start sentences but are never names or title words: after a letter without
# punctuation they mark a missing full stop. Articles and prepositions are left out on purpose ("La
# Spezia", "Il Glicine", "Casa della salute" are names and titles).
INIZI_FRASE = frozenset(
    "io tu lui lei noi voi loro mi ti ci vi si ho hai ha abbiamo avete hanno sono sei siamo siete era ero "
    "erano eravamo avevo aveva avevamo non poi adesso ora oggi ieri domani stamattina stasera stanotte "
    "però ma allora quindi intanto invece comunque anche inoltre dopo prima quando mentre perché "
    "speriamo spero sarebbe servirebbe servirebbero bisognerebbe bisogna propongo proporrei chiedo "
    "chiediamo vorrei vorremmo grazie ciao buongiorno buonasera scusate scusa ok boh insomma tipo "
    "purtroppo fortunatamente finalmente certe alcuni alcune molti molte tanti tante tutti tutte "
    "qualcuno nessuno ognuno ogni questo questa questi queste quello quella quelli quelle c'è c'era "
    "c'erano l'ho l'abbiamo l'hanno è".split()
)
# Articles, prepositions and conjunctions also start sentences, but names and titles start with them too
# ("La Spezia", "Il Glicine"): they count only before a lower-case word and after a lower-case one.
INIZI_DEBOLI = frozenset(
    "il lo la i gli le l' un una uno e ed a al alla allo ai agli alle all' da dal dalla dai dalle di del "
    "della dei delle in nel nella nei nelle per con su sul sulla tra fra se che chi cosa come dove mio mia "
    "miei mie suo sua nostro nostra nostri qui lì là".split()
)
# Nouns that introduce a name ("centro Il Glicine", "via Della Pace"): no boundary after them.
_INTRODUCE_NOME = frozenset(
    "via viale piazza centro associazione gruppo circolo scuola parrocchia rete progetto bar ristorante "
    "cooperativa casa canzone libro film programma trasmissione titolo chiamato chiamata detto detta".split()
)

_FINE = re.compile(r"(?:[.!?…]+|\.\.\.)[\"'»”’)\]]*")
_MARCATORE_LISTA = re.compile(r"^\s*(?:[-–•*·▪►✓✔]+|\d{1,2}[.)]|[a-z][)])\s+")
_INIZIO_NUOVA = re.compile(r"\s+(?=[\"'«“‘(\[\-–—]?\s*[A-ZÀ-ÖØ-Ý0-9\[«“\"'—–-])")
_INIZIO_MINUSCOLO = re.compile(r"\s+(?=[a-zà-öø-ÿ])")
_TAGLIO_LUNGO = re.compile(r",\s+(?=(?:e|ma|poi|perché|però|quindi|allora|invece)\s)")
# Emoji (pictographs, symbols, dingbats, flags) and the common ASCII emoticons.
_EMOJI = re.compile(
    r"(?:[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F1E6-\U0001F1FF][\uFE0F\u200D\U0001F3FB-\U0001F3FF"
    r"\U0001F300-\U0001FAFF\u2600-\u27BF]*|(?<!\w)[:;xX]-?[)(DPp](?!\w))+")
_PAROLA_MAIUSCOLA = re.compile(r"(?<=[\wà-öø-ÿ,]) +(?=([A-ZÀ-ÖØ-Ý][\wà-öø-ÿ]*['’]?)\s*(\S*))")
_SENZA_SPAZIO = re.compile(r"(?<=[a-zà-öø-ÿ0-9]{2})[.!?]+(?=[A-ZÀ-ÖØ-Ý](?:[a-zà-öø-ÿ'’]|\s))")
PAROLE_MASSIME = 60


@dataclass(frozen=True)
class Intervallo:
    inizio: int
    fine: int


def _abbreviazione(riga: str, punto: int) -> bool:
    """True when the dot at ``punto`` closes an abbreviation or an initial, not a sentence."""
    if riga[punto] != ".":
        return False
    m = re.search(r"([\w.]+)$", riga[:punto])
    if not m:
        return False
    parola = m.group(1).lower().strip(".")
    if parola in ABBREVIAZIONI:
        return True
    if len(parola) == 1 and parola.isalpha():
        # An initial ("G. Rossi") is followed by a name on the same spacing, not by a sentence starter
        # ("serie B. Sarebbe utile...") nor by a double space.
        dopo = riga[punto + 1:]
        if dopo.startswith("  "):
            return False
        prossima = re.match(r"\s*([\w'’]+)", dopo)
        return not (prossima and prossima.group(1).lower() in INIZI_FRASE)
    return False


def _in_citazione(riga: str, pos: int) -> bool:
    """True inside an open «...» or "..." at ``pos`` (dialogue keeps its own punctuation together)."""
    prima = riga[:pos]
    if prima.count("«") > prima.count("»"):
        return True
    return prima.count('"') % 2 == 1 or prima.count("“") > prima.count("”")


def _in_citazione_chiusa(riga: str, pos: int) -> bool:
    """True inside a «...» quotation that closes later on the same line, within a few sentences."""
    prima = riga[:pos]
    aperta = prima.rfind("«")
    if aperta < 0 or prima.count("«") <= prima.count("»"):
        return False
    chiusa = riga.find("»", pos)
    return 0 <= chiusa - pos <= 200


def _confini_riga(riga: str) -> list[int]:
    """Offsets (into ``riga``) where a new sentence starts."""
    confini: set[int] = set()
    for m in _FINE.finditer(riga):
        dopo = riga[m.end():]
        if not dopo.strip():
            continue
        punteggiatura = m.group(0)
        singolo_punto = punteggiatura.rstrip("\"'»”’)]") == "."
        if _in_citazione_chiusa(riga, m.start()):
            continue  # «Resta a casa. Ti prego» mi disse: one sentence
        if punteggiatura[-1] in "?!" and re.match(r"\s*[—–-]\s*[a-zà-öø-ÿ]", dopo):
            continue  # — Come stai? — chiese mia figlia.
        if _INIZIO_NUOVA.match(dopo):
            if _abbreviazione(riga, m.start()) and singolo_punto:
                continue
            confini.add(m.end())
        elif _INIZIO_MINUSCOLO.match(dopo):
            chiusa = punteggiatura[-1] in "\"'»”’)]"
            pausa = "…" in punteggiatura or "..." in punteggiatura
            # '"Stai bene?" mi chiese' and 'poi... niente' continue the sentence.
            if chiusa or pausa or _in_citazione(riga, m.start()):
                continue
            if singolo_punto and _abbreviazione(riga, m.start()):
                continue
            if singolo_punto and re.search(r"\d\.$", riga[:m.end()]) and re.match(r"\s*\d", dopo):
                continue
            confini.add(m.end())
    for m in _EMOJI.finditer(riga):
        dopo = riga[m.end():]
        if dopo.strip() and any(c.isalnum() for c in dopo) and riga[:m.start()].strip():
            confini.add(m.end())
    for m in _SENZA_SPAZIO.finditer(riga):
        confini.add(m.end())
    for m in _PAROLA_MAIUSCOLA.finditer(riga):
        if riga[m.start() - 1] == "," or _in_citazione(riga, m.start()):
            continue
        parola = m.group(1).lower().replace("’", "'")
        if parola in INIZI_FRASE:
            confini.add(m.start())
        elif parola in INIZI_DEBOLI:
            precedente = re.search(r"([\wà-öø-ÿ']+)$", riga[:m.start()])
            seguente = m.group(2)
            if (precedente and precedente.group(1).islower() and precedente.group(1) not in _INTRODUCE_NOME
                    and precedente.group(1) not in INIZI_DEBOLI
                    and (parola.endswith("'") or (seguente[:1].islower() or seguente[:1].isdigit()))):
                confini.add(m.start())
    return sorted(c for c in confini if 0 < c < len(riga))


def _dividi_riga(riga: str, base: int) -> list[Intervallo]:
    pezzi: list[Intervallo] = []
    inizio = 0
    for c in _confini_riga(riga):
        if c > inizio:
            pezzi.append(Intervallo(base + inizio, base + c))
            inizio = c
    pezzi.append(Intervallo(base + inizio, base + len(riga)))
    return pezzi


def _taglia_lunghe(testo: str, iv: Intervallo) -> list[Intervallo]:
    frammento = testo[iv.inizio:iv.fine]
    if len(frammento.split()) <= PAROLE_MASSIME:
        return [iv]
    out: list[Intervallo] = []
    inizio = 0
    for m in _TAGLIO_LUNGO.finditer(frammento):
        if len(frammento[inizio:m.start()].split()) >= PAROLE_MASSIME // 3:
            out.append(Intervallo(iv.inizio + inizio, iv.inizio + m.start() + 1))
            inizio = m.end()
    out.append(Intervallo(iv.inizio + inizio, iv.fine))
    return out


def _stringi(testo: str, iv: Intervallo) -> Intervallo | None:
    a, b = iv.inizio, iv.fine
    while a < b and testo[a].isspace():
        a += 1
    while b > a and testo[b - 1].isspace():
        b -= 1
    return Intervallo(a, b) if b > a else None


def dividi_frasi(testo: str) -> list[Intervallo]:
    """Split ``testo`` into sentences; offsets index ``testo`` exactly."""
    risultato: list[Intervallo] = []
    pos = 0
    for riga in testo.split("\n"):
        base = pos
        pos += len(riga) + 1
        m = _MARCATORE_LISTA.match(riga)
        salto = m.end() if m else 0
        for iv in _dividi_riga(riga[salto:], base + salto):
            for pezzo in _taglia_lunghe(testo, iv):
                stretto = _stringi(testo, pezzo)
                if stretto is not None and any(c.isalnum() for c in testo[stretto.inizio:stretto.fine]):
                    risultato.append(stretto)
    return risultato


@dataclass(frozen=True)
class PunteggioConfini:
    """Precision, recall and F1 of sentence boundaries (a boundary is the start of a non-first sentence)."""

    precisione: float
    richiamo: float
    f1: float
    veri: int
    falsi_positivi: int
    falsi_negativi: int


def valuta_confini(esempi: Iterable[tuple[str, Sequence[tuple[int, int]]]]) -> PunteggioConfini:
    """Boundary P/R/F1 of :func:`dividi_frasi` against gold ``(text, [(start, end), ...])`` pairs."""
    vp = fp = fn = 0
    for testo, oro in esempi:
        attesi = {a for a, _ in sorted(oro)[1:]}
        previsti = {iv.inizio for iv in dividi_frasi(testo)[1:]}
        vp += len(attesi & previsti)
        fp += len(previsti - attesi)
        fn += len(attesi - previsti)
    p = vp / (vp + fp) if vp + fp else 0.0
    r = vp / (vp + fn) if vp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return PunteggioConfini(p, r, f1, vp, fp, fn)
