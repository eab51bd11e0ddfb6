"""The form of a sentence without its topic: closed-class words kept, other words replaced by a shape.

"Chiediamo al Comune linee guida semplici" -> "^chiediamo al comune <W> <W> <W>". Word n-grams over this
form describe how a sentence asks, wishes or worries whatever it talks about, so they transfer across
registers (measured on the real development set: ``python -m analisi.codifica.valuta reale``). The shapes
come from Italian verb endings (conditional, future, imperfect, infinitive, 1st and 2nd person plural,
imperative with a clitic), so no language model is needed.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Closed-class words, modal and volitional verbs, speech-act verbs, addressees and time words.
PAROLE_DI_FORMA = frozenset("""
il lo la i gli le l un uno una di a da in con su per tra fra del dello della dei degli delle al allo alla ai agli
alle dal dallo dalla dai dagli dalle nel nello nella nei negli nelle col sul sullo sulla sui sugli sulle
e ed o oppure ma però perché perche poiché quindi dunque se che chi cui quale quali come dove quando mentre anche
ancora già non né ne ci vi si mi ti gli loro io tu lui lei noi voi essi esse me te sé
mio mia miei mie tuo tua nostro nostra nostri nostre vostro vostra vostri vostre suo sua suoi sue
questo questa questi queste quello quella quelli quelle tutto tutti tutte tutta ogni ciascuno nessuno niente nulla
qualcuno qualcosa altro altri altra altre molto molti molte poco più meno tanto troppo solo sempre mai
è sono sei siamo siete era erano ero eravamo sarà saranno sarebbe sarebbero sia siano fosse fossero stato stata
stati state essere ho hai ha abbiamo avete hanno avevo aveva avevamo avevano avrà avranno avrebbe avrebbero abbia
abbiano avere avuto
devo deve dobbiamo dovete devono dovere dovrebbe dovrebbero dovremmo dovrei doveva dovevano dovrà dovranno debba
debbano posso può possiamo potete possono potere potrebbe potrebbero potremmo potrei poteva potrà possa possano
voglio vuole vogliamo volete vogliono volere vorrei vorrebbe vorremmo vorrebbero voleva
bisogna bisognerebbe bisogno occorre occorrono occorrerebbe serve servono servirebbe servirebbero necessario
necessaria necessari necessità importante utile opportuno giusto meglio bene bello
chiedo chiediamo chiede chiedono chiedere richiesta richiediamo propongo proponiamo proporre proposta proposte
suggerisco suggeriamo consiglio invito invitiamo
spero speriamo speranza magari auguro auguriamo sogno desidero desideriamo piacerebbe
comune regione stato governo ausl asl scuola scuole servizi servizio associazioni associazione volontari quartiere
città comunità istituzioni famiglie anziani giovani bambini ragazzi cittadini persone
paura ansia timore temo temiamo preoccupa preoccupato preoccupata preoccupati preoccupazione angoscia sola triste
domani futuro prossimo prossima dopo poi ora adesso oggi ieri allora grazie favore prego ecco
""".split())
MESI = frozenset("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
                 "dicembre".split())
_FORME: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), f) for p, f in (
    (r".{2,}(?:rebbe|rebbero|rei|remmo|reste|resti)$", "<CND>"),
    (r".{2,}(?:rò|rà|remo|rete|ranno)$", "<FUT>"),
    (r".{2,}iamo$", "<1PL>"),
    (r".{2,}(?:avo|evo|ivo|ava|eva|iva|avamo|evamo|ivamo|avano|evano|ivano)$", "<IMPF>"),
    (r".{2,}(?:are|ere|ire)$", "<INF>"),
    (r".{2,}(?:arsi|ersi|irsi|arci|erci|irci|arli|erli|irli|arla|erla|irla|arlo|erlo|irlo)$", "<INFCL>"),
    (r".{2,}(?:ando|endo)$", "<GER>"),
    (r".{2,}(?:ato|ata|ati|ate|ito|ita|iti|ite|uto|uta|uti|ute)$", "<PP>"),
    (r".{2,}mente$", "<AVV>"),
    (r".{2,}(?:zione|zioni|mento|menti|ità)$", "<NOM>"),
))
_TOKEN = re.compile(r"[\w']+|[?!.,;:]")


@lru_cache(maxsize=65536)
def _forma_parola(parola: str) -> str:
    if parola in PAROLE_DI_FORMA or parola in "?!.,;:":
        return parola
    if parola.isdigit():
        return "<NUM>"
    if parola in MESI:
        return "<MESE>"
    for pattern, forma in _FORME:
        if pattern.match(parola):
            return forma
    return "<W>"


def forma(testo: str) -> str:
    """The sentence's form: closed-class words, shapes for the others; the first token marked with ``^``."""
    parole = [_forma_parola(t.rstrip("'")) for t in _TOKEN.findall(testo.lower())]
    if parole:
        parole[0] = "^" + parole[0]
    return " ".join(parole)
