"""Italian linguistic rules for the codebook: cue lexicons, mood and tense, and a rules-only coder.

The rules give two things: numeric features that the classifier weighs (``caratteristiche``), and a
rules-only coder (``CodificatoreRegole``) kept as the baseline the hybrid model must beat.

Mood and tense come from spaCy's morphology (``Mood=Cnd``, ``Mood=Imp``, ``Tense=Fut``, ``Tense=Imp``) when
a pipeline with a morphologizer is given, and otherwise from verb endings ("servirebbe", "farò",
"facevo"); the two are combined with ``max`` so that a model trained without spaCy still works with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from analisi.anonimizzazione.segnaposto import SEGNAPOSTO_RE
from analisi.codifica.codebook import CODICI, SOTTOCODICI

if TYPE_CHECKING:
    from spacy.language import Language



def pulisci(testo: str) -> str:
    """The sentence without placeholders (``[PERSONA_1]`` carries no meaning for the codebook)."""
    return re.sub(r"\s+", " ", SEGNAPOSTO_RE.sub(" ", testo)).strip()


def _re(*parti: str) -> re.Pattern[str]:
    # Patterns are matched on lower-cased text (case-insensitive matching is several times slower).
    # Factoring the leading word boundary out of the alternation lets the engine reject most positions at
    # once (several times faster on long lexicons).
    if all(p.startswith(r"\b") for p in parti):
        return re.compile(r"\b(?:" + "|".join(f"(?:{p[2:]})" for p in parti) + ")")
    return re.compile("|".join(f"(?:{p})" for p in parti))


# --- proposta --------------------------------------------------------------------------------------
PROPOSTA_FORTE = _re(
    r"\bservirebber?o?\b", r"\bbisognerebbe\b", r"\bsi potrebber?o?\b", r"\bci vorrebber?o?\b",
    r"\bsarebbe (?:\w+ )?(?:bello|utile|importante|giusto|necessario|opportuno|bene|meglio|ora)\b",
    r"\bsarebbero (?:utili|importanti|necessari[eo])\b",
    r"\bpropon(?:go|iamo)\b", r"\bproporrei\b", r"\bproporremmo\b", r"\bla (?:mia|nostra) proposta\b",
    r"\bchied(?:o|iamo)\b(?! (?:scusa|perdono))", r"\bchiederei\b", r"\boccorrerebbe\b", r"\boccorre\b",
    r"\bperché non\b[^?]*\?", r"\bandrebber?o? (?:\w+ )?(?:fatt|aperti|aiutat|pensat|create|organizzat)",
    r"\bè necessario\b", r"\bè importante che\b", r"\bsi dovrebber?o?\b",
    r"\bbisogna(?:va)? che\b", r"\bspero che (?:il comune|la regione|l'ausl|i servizi|le istituzioni|"
    r"la scuola|le scuole|l'associazione|la parrocchia|qualcuno|si )",
    r"\b(?:come|noi come|noi di) \w+(?: \w+){0,3} vorremmo\b", r"\bvorremmo (?:organizzare|fare|aprire|"
    r"creare|proporre|continuare|avviare|attivare)\b",
)
# "Vorrei che...", "spero che...": a wish that may or may not ask someone to act (real text: mostly wishes).
# A separate feature, so the classifier weighs it instead of the rules calling it a proposal.
VOLITIVO = _re(
    r"\bvorre(?:i|mmo|bbe|bbero) che\b", r"\b(?:mi|ci) piacerebbe che\b", r"\bsper(?:o|iamo) che\b",
    r"\b(?:mi|ci) augur(?:o|iamo)\b", r"\bauspic", r"\bdesider(?:o|iamo|erei|eremmo)\b",
)
DOVERE = _re(r"\bdovrebber?o?\b", r"\bdeve(?:no)?\b", r"\bdevono\b", r"\bpotrebber?o?\b", r"\bserv(?:e|ono)\b")
ISTITUZIONI = _re(
    r"\bcomune\b", r"\bregione\b", r"\bausl\b", r"\basl\b", r"\bservizi?\b", r"\bscuol[ae]\b", r"\bassociazion",
    r"\bparrocchi", r"\bquartiere\b", r"\bistituzion", r"\bmedic[oi] di base\b", r"\bospedal", r"\bcentr[oi]\b",
    r"\bsportell", r"\bsindaco\b", r"\bgoverno\b", r"\bvolontari", r"\bcasa della salute\b", r"\bbiblioteca\b",
    r"\bcpia\b", r"\binps\b", r"\bpolisportiva\b", r"\bsociali\b", r"\bprogett", r"\brete\b", r"\bgruppo\b",
)
# A wish about one's own life is not a proposal: "vorrei (solo) tornare a ballare".
DESIDERIO_PERSONALE = _re(
    r"\bvorrei (?:solo |tanto |anche |soltanto )?(?:tornare|poter|arrivare|rivedere|riabbracciare|"
    r"rifare|ricominciare|andare|fare|avere|essere|stare|cantare|ballare|vedere|provare|un |una |portare)\b",
    r"\bspero di\b", r"\bmi piacerebbe (?:tornare|poter|rivedere|andare|fare)\b", r"\bsogno di\b",
    r"\bsperiamo di\b", r"\bmagari\b", r"\b(?:lo|ci) spero\b", r"\bspero (?:proprio|tanto|solo|bene)\b",
    r"\bavrei voluto\b", r"\bse solo\b", r"\bche bello sarebbe\b",
)
# A wish with nobody asked to act ("spero che finisca presto", "magari potessi rivederli", "vorrei tornare a
# ballare"): a wish cue and no request, duty, addressed institution or imperative. The coder lowers proposta for
# such sentences (``CodificatoreFrasi.spostamento_desiderio``): on the real development set 62 of 85 wishes and
# 26 of 624 proposals carry it.
DESIDERIO_CUE = _re(
    r"\bsper(?:o|iamo|avo|avamo)\b", r"\bmagari\b", r"\bse solo\b", r"\bvorre(?:i|mmo)\b", r"\bavrei voluto\b",
    r"\bdesider(?:o|iamo|erei)\b", r"\b(?:mi|ci) piacerebbe\b", r"\b(?:mi|ci) augur(?:o|iamo)\b", r"\bauspic",
    r"\bsogno\b", r"\bche bello\b", r"\bsarebbe (?:\w+ )?bello\b",
)
RICHIESTA = _re(
    r"\bpropon(?:go|iamo)\b", r"\bproporrei\b", r"\bchied(?:o|iamo)\b", r"\bchiederei\b", r"\bbisogn(?:a|erebbe)\b",
    r"\boccorr", r"\bè necessario\b", r"\bsi dovrebbe\b", r"\bdobbiamo\b", r"\bdev(?:e|ono)\b", r"\bdovrebber?o?\b",
    r"\binvit(?:o|iamo)\b", r"\bservirebber?o?\b",
)

IMPERATIVI_ISTITUZIONI = _re(
    r"^(?:e |per favore |vi prego,? )?(?:non )?(?:fate|aprite|riaprite|date|lasciate|chiamate|ascoltate|"
    r"pensate|chiudete|tenete|aiutate|mettete|trovate|investite|ricordatevi|portate|organizzate|"
    r"create|assumete|tornate)\b",
)

# --- ansia -----------------------------------------------------------------------------------------
ANSIA = _re(
    r"\bpaur[ae]\b", r"\bterror", r"\bansi[ae]\b", r"\bansios", r"\bangosci", r"\bpanico\b", r"\bspavent",
    r"\bpreoccupat", r"\bagitat", r"\bincub", r"\btimore\b", r"\bterrorizzat", r"\bnodo (?:allo|alla|in)",
    r"\bpeso sul (?:petto|cuore)\b", r"\bnon (?:riuscivo a |riesco a )?dormi", r"\binsonnia\b", r"\bpiang",
    r"\blacrim", r"\btrist", r"\bmalinconi", r"\bdisperat", r"\bsconfort", r"\bsfinit", r"\besaust",
    r"\bin colpa\b", r"\bsensi di colpa\b", r"\bbuio\b", r"\bvuoto\b", r"\bnon ce la facevo\b", r"\bcrollat",
    r"\btremav", r"\bcuore in gola\b", r"\bmi mancava l'aria\b", r"\bsolitudine\b", r"\bisolat",
    r"\bmi sent(?:o|ivo|ivamo) (?:sol[oaie]|persa|perso|inutile|in trappola|abbandonat|stanc)",
    r"\b(?:ero|eravamo|sono|siamo|restavo|rimasta|rimasto) sol[oaie]\b", r"\bda sol[oaie]\b(?! a)",
    r"\bsol[oa] come\b", r"\babbandonat", r"\bnessuno (?:mi|ci|si)\b", r"\bmi manca(?:va|vano|no)?\b",
    r"\bavevo paura\b", r"\bho avuto paura\b", r"\bstavo male\b", r"\bstanc[oa] morta?\b", r"\bsoffert",
)
# Distress without a fear word: sadness, shame, weight, loss, sleeplessness ("mi pesa", "mi stringe il cuore").
DISAGIO = _re(
    r"\bmi pes(?:a|ava)\b", r"\bmi dispiace", r"\bdifficil", r"\bcuore\b", r"\bstomaco\b", r"\bsonno\b",
    r"\bdolore\b", r"\bmi fa(?:ceva)? male\b", r"\bvergogn", r"\btormenta", r"\bnon (?:ci )?arriv(?:iamo|avamo)\b",
    r"\bnon (?:ho|avevo) dormito\b", r"\bmi sveglio\b", r"\bpianto\b", r"\bmi sentivo\b", r"\bmi sento\b",
    r"\bun peso\b", r"\bmancan[oa]\b", r"\bmancava(?:no)?\b", r"\bmort[oaie]\b", r"\bfuneral", r"\bricoverat",
    r"\bnon sapev(?:o|amo)\b", r"\bnessuno\b", r"\bsol[oa]\b(?! (?:per|a|la|il|un|una|di|qualche|mezz))",
    r"\bbuio\b", r"\bsilenzios", r"\blunghissim", r"\bterra mancar", r"\bfarsi del male\b", r"\belemosina\b",
    r"\bprestito\b", r"\bnon ce l'ha fatta\b", r"\bnon è più tornat", r"\bpeggio\b", r"\bcrisi\b",
)
# --- preoccupazione per il futuro -----------------------------------------------------------------
MESI = "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
FUTURO = _re(
    r"\bnon so (?:se|come|cosa|quando|quanto|chi|dove|che cosa)\b", r"\bmi chiedo (?:se|cosa|come|chi|quando)\b",
    r"\bchissà\b", r"\btem(?:o|iamo) che\b", r"\bho paura che\b", r"\babbiamo paura che\b",
    r"\bho paura (?:del|dell'|per il|per la|di non|dei prossimi)", r"\bmi preoccupa\b", r"\bci preoccupa\b",
    r"\bpreoccupa(?:to|ta|ti|te)? per (?:il|la) (?:futuro|dopo|prossim)", r"\bquando (?:finirà|riapr|tornerà|"
    r"finisce|arriverà|ricomincerà)", rf"\b(?:a|ad|in|da|entro) (?:{MESI})\b(?! (?:20\d\d|scorso))",
    r"\b(?:il|l')(?: )?prossim[oa] (?:anno|inverno|autunno|estate|mese|settimana)\b", r"\banno prossimo\b",
    r"\bquest'(?:inverno|autunno|estate)\b", r"\bin autunno\b", r"\bdomani\b", r"\bfuturo\b",
    r"\b(?:un'altra|seconda|terza|nuova) ondata\b", r"\brichiud", r"\bdi nuovo\b", r"\briusciremo\b",
    r"\bce la faremo\b", r"\bcosa succederà\b", r"\bcosa succede (?:dopo|se|quando)\b", r"\bse (?:richiudono|"
    r"chiudono|non trovo|non riapr|mi ammalo|dovesse)", r"\bnon (?:ce la farò|riaprirà|riapriremo|tornerà)\b",
    r"\bdopo di noi\b", r"\bsopravviv",
)
# --- vita quotidiana ------------------------------------------------------------------------------
QUOTIDIANO = _re(
    r"\b(?:la|di|alla) mattina\b", r"\b(?:il|di|nel) pomeriggio\b", r"\b(?:la|di|alla) sera\b", r"\bla notte\b",
    r"\balle (?:\d|una|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici)\b", r"\bogni (?:giorno|"
    r"mattina|sera|settimana)\b", r"\btutti i giorni\b", r"\b(?:il|ogni) (?:lunedì|martedì|mercoledì|giovedì|"
    r"venerdì|sabato|domenica)\b", r"\bdi solito\b", r"\ba (?:pranzo|cena)\b", r"\bcolazione\b", r"\bspesa\b",
    r"\bcucin", r"\blavatric", r"\bcompiti\b", r"\bdad\b", r"\bvideolezion", r"\bsmart working\b",
    r"\bcomputer\b", r"\bportatile\b", r"\btelefon", r"\bvideochiamat", r"\btelevision", r"\btelegiornale\b",
    r"\bbalcone\b", r"\bgiardino\b", r"\bpasseggiat", r"\bmascherin", r"\bturn[oi]\b", r"\bcoda\b",
    r"\bgiornat[ae]\b", r"\bcasa\b", r"\bwhatsapp\b", r"\bzoom\b", r"\bpane\b", r"\blavor(?:o|avo|ava)\b",
)
# --- second-level codes ---------------------------------------------------------------------------
SOTTO_LESSICI: dict[str, re.Pattern[str]] = {
    "ansia.salute": _re(
        r"\bfebbre\b", r"\btoss", r"\bossigeno\b", r"\bricover", r"\bospedal", r"\bterapia intensiva\b",
        r"\bpositiv", r"\btampon", r"\bcontag", r"\bvirus\b", r"\bammal", r"\bsintom", r"\brespir",
        r"\bpronto soccorso\b", r"\bambulanz", r"\bmalat", r"\bsalute\b", r"\bmedicin", r"\bpastigli",
        r"\bvaccin", r"\bcovid\b", r"\bmorire\b"),
    "ansia.solitudine": _re(
        r"\bsol[oaie]\b", r"\bsolitudine\b", r"\bisolat", r"\bnessuno\b", r"\bmi manca", r"\bmancava",
        r"\babbandonat", r"\bsilenzio\b", r"\bvuot[oa]\b", r"\bparlare con\b", r"\bdistanti\b", r"\blontan"),
    "ansia.economia_lavoro": _re(
        r"\bsoldi\b", r"\blavor", r"\bstipendi", r"\bcassa integrazione\b", r"\baffitto\b", r"\bbollett",
        r"\bconti\b", r"\bdebit", r"\blicenzi", r"\bnegozio\b", r"\bclienti\b", r"\brisparmi", r"\beuro\b",
        r"\bbonus\b", r"\bdisoccupat", r"\bcontratt", r"\bmutuo\b", r"\bbottega\b", r"\bspesa\b", r"\bpagare\b"),
    "ansia.famiglia_cura": _re(
        r"\bfigli", r"\bbambin", r"\bmadre\b", r"\bpadre\b", r"\bmamma\b", r"\bpapà\b", r"\bbabbo\b", r"\bnonn",
        r"\bmarito\b", r"\bmoglie\b", r"\bgenitor", r"\bcura\b", r"\baccudi", r"\bcaregiver\b", r"\bsorella\b",
        r"\bfratello\b", r"\bnipot", r"\bin colpa\b", r"\bfamigli"),
    "ansia.lutto": _re(
        r"\bmort[oaie]\b", r"\bmorire\b", r"\bmorto\b", r"\bfuneral", r"\blutto\b", r"\bpers[oa] (?:mia|mio|il|la)",
        r"\bscompars", r"\bsalutar", r"\bbara\b", r"\bcimiter", r"\bè mancat[oa]\b", r"\bnon c'è più\b",
        r"\bvedov", r"\bultima volta\b", r"\bcamion militari\b", r"\baddio\b"),
    "proposta.servizi": _re(
        r"\bservizi", r"\bcomune\b", r"\bausl\b", r"\bmedic", r"\bsportell", r"\bassistent", r"\bdomicili",
        r"\bcentr[oi] diurn", r"\bpsicolog", r"\beducator", r"\bcasa della salute\b", r"\bambulator",
        r"\bmediator", r"\bsanitari", r"\bnumero\b", r"\binfermier", r"\bbus\b", r"\bautobus\b", r"\bregione\b"),
    "proposta.associazioni_volontariato": _re(
        r"\bassociazion", r"\bvolontar", r"\bparrocchi", r"\bnoi come\b", r"\bcome (?:associazione|gruppo)\b",
        r"\bgruppo\b", r"\bcoro\b", r"\bpolisportiva\b", r"\bcircolo\b", r"\bsoci\b", r"\bcors[oi]\b",
        r"\bdoposcuola\b"),
    "proposta.vicinato_comunita": _re(
        r"\bvicin[oiae]\b", r"\bvicinato\b", r"\bpalazz", r"\bcondomin", r"\bquartiere\b", r"\bcomunità\b",
        r"\brete\b", r"\bpianerottolo\b", r"\bfamiglie\b", r"\binsieme\b", r"\bcase condivise\b"),
    "proposta.digitale": _re(
        r"\bonline\b", r"\bdigital", r"\btablet\b", r"\bcomputer\b", r"\binternet\b", r"\bwi-?fi\b", r"\bsiti?\b",
        r"\bapp\b", r"\bspid\b", r"\bvideochiamat", r"\bpiattaform", r"\bsmartphone\b", r"\btelefonin", r"\bweb\b",
        r"\bconnession", r"\bzoom\b", r"\bemail\b"),
    "proposta.spazi": _re(
        r"\bspazi?o?\b", r"\bsal[ae]\b", r"\bsede\b", r"\bparc(?:o|hi)\b", r"\bgiardin", r"\ball'aperto\b",
        r"\bpalestr", r"\bbiblioteca\b", r"\bcortil", r"\baperti?o?\b", r"\btettoia\b", r"\blocal[ei]\b",
        r"\bcentri anziani\b", r"\bstanza\b"),
    "proposta.caregiver": _re(
        r"\bcaregiver\b", r"\bsollievo\b", r"\bchi assiste\b", r"\bchi si prende cura\b", r"\bfamiliari\b",
        r"\bdemenz", r"\balzheimer\b", r"\bnon autosufficient", r"\bdisabil", r"\bdopo di noi\b"),
}

# Verb endings: a fallback for mood and tense when no morphologizer is available.
_CONDIZIONALE = re.compile(r"\b\w{2,}(?:rebbe|rebbero|rei|remmo|reste|resti)\b")
_FUTURO_VERBO = re.compile(r"\b\w{2,}(?:rò|rà|remo|ranno)\b")
_IMPERFETTO = re.compile(r"\b\w{2,}(?:avo|evo|ivo|ava|eva|iva|avamo|evamo|ivamo|avano|evano|ivano)\b")
_NON_VERBI = frozenset({"davo", "bravo", "cava", "nave", "ottava", "ottavo", "nuovo", "nuova", "privo", "priva",
                        "vivo", "viva", "attivo", "attiva", "motivo", "arrivo", "ulivo", "collettivo", "sportivo",
                        "olivo", "scava", "schiava", "sera", "clava", "lava", "diva", "riva", "saliva", "piva",
                        "iva", "archivio", "positivo", "positiva", "negativo", "negativa", "educativa",
                        "educativo", "definitivo", "obiettivo", "estivo", "estiva", "passivo", "cattivo",
                        "cattiva", "aggressivo", "pensava", "uva", "ava", "anziano"})
_PRIMA_PERSONA = re.compile(r"\b(?:io|mi|ho|sono|ero|avevo|mio|mia|miei|mie|noi|ci|abbiamo|eravamo)\b")

NOMI_CARATTERISTICHE: tuple[str, ...] = (
    "proposta_forte", "dovere", "istituzione", "desiderio_personale", "volitivo", "imperativo", "perche_non",
    "condizionale", "futuro_verbo", "imperfetto", "ansia", "disagio", "futuro", "quotidiano", "prima_persona",
    "domanda", "lunghezza", *(f"sotto:{k}" for k in SOTTO_LESSICI),
)


def desiderio_senza_richiesta(frase: str) -> bool:
    """True for a wish with nobody asked to act: a wish cue, no request or duty, no institution, no imperative."""
    basso = pulisci(frase).lower()
    return bool(DESIDERIO_CUE.search(basso)) and not RICHIESTA.search(basso) and not ISTITUZIONI.search(basso) \
        and not IMPERATIVI_ISTITUZIONI.search(basso)


def _conta(pattern: re.Pattern[str], testo: str) -> int:
    return sum(1 for _ in pattern.finditer(testo))


def _morfologia(doc: Any) -> dict[str, int]:
    conti = {"condizionale": 0, "futuro_verbo": 0, "imperfetto": 0, "imperativo": 0}
    for t in doc:
        m = t.morph
        if "Cnd" in m.get("Mood"):
            conti["condizionale"] += 1
        if "Imp" in m.get("Mood"):
            conti["imperativo"] += 1
        if "Fut" in m.get("Tense"):
            conti["futuro_verbo"] += 1
        if "Imp" in m.get("Tense") and t.pos_ in ("VERB", "AUX"):
            conti["imperfetto"] += 1
    return conti


def ha_morfologizzatore(nlp: Language | None) -> bool:
    """True when ``nlp`` assigns morphology (a ``morphologizer`` or a tagger with morphs)."""
    return nlp is not None and any(n in nlp.pipe_names for n in ("morphologizer", "tagger"))


def caratteristiche(frase: str, doc: Any = None) -> dict[str, float]:
    """Rule features of one sentence (placeholders already ignored). ``doc``: optional spaCy Doc."""
    t = pulisci(frase)
    basso = t.lower()
    f: dict[str, float] = {}
    forte = _conta(PROPOSTA_FORTE, basso)
    personale = _conta(DESIDERIO_PERSONALE, basso)
    f["proposta_forte"] = float(min(forte, 3))
    f["dovere"] = float(min(_conta(DOVERE, basso), 3))
    f["istituzione"] = float(min(_conta(ISTITUZIONI, basso), 3))
    f["desiderio_personale"] = float(personale > 0)
    f["volitivo"] = float(min(_conta(VOLITIVO, basso), 2))
    imperativo = float(bool(IMPERATIVI_ISTITUZIONI.search(basso)))
    f["perche_non"] = float(bool(re.search(r"\bperché non\b[^?]*\?", basso)))
    cond = len([m for m in _CONDIZIONALE.findall(basso) if m not in ("sarei",)])
    fut = len(_FUTURO_VERBO.findall(basso))
    imperf = len([m for m in _IMPERFETTO.findall(basso) if m not in _NON_VERBI])
    if doc is not None:
        morf = _morfologia(doc)
        cond = max(cond, morf["condizionale"])
        fut = max(fut, morf["futuro_verbo"])
        imperf = max(imperf, morf["imperfetto"])
        # An imperative counts only when addressed to others: spaCy marks "dai" or "guarda" in narration too.
        if morf["imperativo"] and f["istituzione"]:
            imperativo = 1.0
    f["imperativo"] = imperativo
    f["condizionale"] = float(min(cond, 3))
    f["futuro_verbo"] = float(min(fut, 3))
    f["imperfetto"] = float(min(imperf, 4))
    f["ansia"] = float(min(_conta(ANSIA, basso), 3))
    f["disagio"] = float(min(_conta(DISAGIO, basso), 3))
    f["futuro"] = float(min(_conta(FUTURO, basso), 3))
    f["quotidiano"] = float(min(_conta(QUOTIDIANO, basso), 4))
    f["prima_persona"] = float(min(_conta(_PRIMA_PERSONA, basso), 4))
    f["domanda"] = float(t.rstrip().endswith("?"))
    f["lunghezza"] = min(len(t.split()), 60) / 60
    for k, pat in SOTTO_LESSICI.items():
        f[f"sotto:{k}"] = float(min(_conta(pat, basso), 3))
    return f


def matrice_caratteristiche(frasi: Sequence[str], nlp: Language | None = None,
                            docs: Sequence[Any] | None = None) -> np.ndarray:
    """Rule features of many sentences as a dense matrix (columns: ``NOMI_CARATTERISTICHE``); ``docs``: the
    sentences already parsed by ``nlp`` (after :func:`pulisci`), when the caller has them."""
    analizzati: Iterable[Any]
    if docs is not None:
        analizzati = docs
    elif ha_morfologizzatore(nlp):
        assert nlp is not None
        analizzati = nlp.pipe([pulisci(f) for f in frasi], batch_size=256)
    else:
        analizzati = (None for _ in frasi)
    righe = [caratteristiche(f, d) for f, d in zip(frasi, analizzati, strict=False)]
    return np.array([[r[n] for n in NOMI_CARATTERISTICHE] for r in righe], dtype=float).reshape(
        len(righe), len(NOMI_CARATTERISTICHE))


def _sigmoide(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def punteggi_regole(f: dict[str, float]) -> dict[str, float]:
    """Rules-only probabilities for the first-level codes (hand-set weights, no training)."""
    proposta = -3.0 + 3.5 * min(f["proposta_forte"], 1) + 2.0 * f["imperativo"] + 2.5 * f["perche_non"] \
        + 1.0 * min(f["dovere"], 1) * min(f["istituzione"], 1) + 0.5 * min(f["condizionale"], 1) \
        + 2.5 * min(f["volitivo"], 1) * min(f["istituzione"], 1) - 4.0 * f["desiderio_personale"]
    ansia = -2.5 + 2.5 * min(f["ansia"], 1) + 0.5 * max(f["ansia"] - 1, 0) + 0.8 * min(f["disagio"], 2) \
        - 1.5 * min(f["futuro"], 1) \
        - 1.0 * min(f["proposta_forte"], 1)
    futuro = -3.0 + 2.5 * min(f["futuro"], 1) + 0.5 * max(f["futuro"] - 1, 0) + 0.8 * min(f["futuro_verbo"], 1) \
        - 2.0 * min(f["proposta_forte"], 1)
    altro = max(proposta, ansia, futuro)
    quotidiano = -1.0 + 0.8 * min(f["quotidiano"], 3) + 0.6 * min(f["imperfetto"], 2) \
        - 1.5 * (altro > 0)
    return {"vita_quotidiana": _sigmoide(quotidiano), "ansia": _sigmoide(ansia),
            "preoccupazione_futuro": _sigmoide(futuro), "proposta": _sigmoide(proposta)}


def sottocodici_regole(f: dict[str, float]) -> dict[str, float]:
    """Rules-only conditional probabilities of the second-level codes given their parent."""
    out: dict[str, float] = {}
    for padre, figli in SOTTOCODICI.items():
        conti = np.array([f[f"sotto:{padre}.{s}"] for s in figli], dtype=float)
        pesi = np.exp(conti) if conti.any() else np.ones(len(figli))
        pesi = pesi / pesi.sum()
        for s, p in zip(figli, pesi, strict=True):
            out[f"{padre}.{s}"] = float(p)
    return out


@dataclass
class CodificatoreRegole:
    """The rules-only baseline, with the same prediction API as the hybrid coder."""

    nlp: Any = None

    def fit(self, X: Sequence[str], Y: Sequence[Iterable[str]] | None = None) -> CodificatoreRegole:
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        m = matrice_caratteristiche(X, self.nlp)
        righe = [punteggi_regole(dict(zip(NOMI_CARATTERISTICHE, r, strict=True))) for r in m]
        return np.array([[r[c] for c in CODICI] for r in righe]).reshape(len(righe), len(CODICI))
