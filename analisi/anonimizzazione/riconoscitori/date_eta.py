"""Dates of birth ("nata il 3 marzo 1950", "classe '48") and exact ages tied to a person ("mia figlia di
12 anni", "ho 82 anni"), with :func:`eta_in_anni` to read an age back as years."""

from __future__ import annotations

import re
from collections.abc import Iterable

from analisi.anonimizzazione.tipi import Candidato

# ------------------------------------------------------------------------------------ dates of birth
_MESI = r"(?:gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)"
_DATA = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})\b|\d{{1,2}}°?\s+{_MESI}(?:\s+(?:del\s+)?(?:\d{{4}}|['’]\d{{2}}))?"
    rf"|{_MESI}\s+(?:del\s+)?(?:\d{{4}}|['’]\d{{2}}))"
)
DATA_NASCITA = re.compile(
    rf"\b(?:nat[oaie]|nasce|nascono|nacqui|nacque|nascita|venut[oa]\s+al\s+mondo|compleanno|d\.\s?n\.)(?!\w)"
    rf"(?:[^\n.;!?]{{0,40}}?)\b(?:il\s+|l['’]|:\s*)?({_DATA})",
    re.IGNORECASE,
)
ANNO_NASCITA = re.compile(
    r"\b(?:(?:nat[oaie]|nacqui|nacque)(?:\s+a\s+[A-ZÀ-Ý][\w'’]+(?:\s+[A-ZÀ-Ý][\w'’]+)?)?\s+nel(?:l['’]anno)?"
    r"|classe|(?:sono|è|era|siamo|sei)\s+(?:del|della\s+classe)|anno\s+di\s+nascita:?)"
    r"\s+(\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b|(?:19|20)\d{2}|['’]\d{2})\b",
    re.IGNORECASE,
)


_INDIZI_NASCITA = ("nat", "nasc", "nacq", "mondo", "complean", "d.n", "d. n", "classe", " del ")


def trova_date_nascita(testo: str) -> list[Candidato]:
    """A date (or a birth year) close after "nato/nata il", "classe", "data di nascita", "sono del"."""
    bassa = testo.lower()
    if not any(i in bassa for i in _INDIZI_NASCITA):
        return []
    out = []
    for m in DATA_NASCITA.finditer(testo):
        out.append(Candidato(m.start(1), m.end(1), "DATA_NASCITA", 0.9, "regex:data-nascita"))
    for m in ANNO_NASCITA.finditer(testo):
        out.append(Candidato(m.start(1), m.end(1), "DATA_NASCITA", 0.8, "regex:anno-nascita"))
    return out


# ------------------------------------------------------------------------------------------------ ages
#: Number words 0-19; the tens and "cento" are built from roots below.
_UNITA_LETTERE = (
    "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici sedici"
    " diciassette diciotto diciannove"
).split()


def _numeri_in_lettere() -> str:
    unita = _UNITA_LETTERE[1:10]
    speciali = ["un", "una", *_UNITA_LETTERE[10:], "cento"]
    decine = ["venti", "trenta", "quaranta", "cinquanta", "sessanta", "settanta", "ottanta", "novanta"]
    forme = list(speciali) + list(unita)
    for d in decine:
        forme.append(d)
        forme.append(d[:-1] + "un")  # "ventun anni", "novantun anni"
        for u in unita:
            radice = d[:-1] if u in ("uno", "otto") else d
            forme.append(radice + ("tré" if u == "tre" else u))
            if u == "tre":
                forme.append(radice + "tre")
    return "|".join(sorted(set(forme), key=len, reverse=True))


_DECINE_ELISE = r"(?:vent|trent|quarant|cinquant|sessant|settant|ottant|novant)['’]\s?anni"
_NUM = rf"(?:\d{{1,3}}|{_numeri_in_lettere()})"
_NUMERI = rf"{_NUM}(?:\s*(?:,|e|ed)\s*{_NUM})*(?:\s+e\s+mezzo)?"
_ANNI = rf"(?:{_DECINE_ELISE}|{_NUMERI}\s+(?:anni|anno)\b)"
_ETA_PICCOLI = rf"(?:{_ANNI}|{_NUMERI}\s+(?:mesi|mese|settimane|giorni)\b)"
_NON_ETA_DOPO = (
    r"(?!\s+(?:fa\b|prima\b|dopo\b|di\s+(?:lavoro|servizio|matrimonio|contributi|attività|esperienza|carcere"
    r"|reclusione|galera|mutuo|affitto|fila)))"
)
PERSONE_ETA = (
    r"(?:figli[oae]?|figliolett[oa]|bambin[oaie]|bimb[oaie]|ragazz[oaie]|ragazzin[oaie]|nipot(?:e|i|ino|ina)"
    r"|nonn[oaie]|madre|mamma|padre|papà|babbo|marito|moglie|compagn[oa]|fratell(?:o|i|ino)|sorell(?:a|e|ina)"
    r"|cugin[oaie]|zi[oaie]|suocer[oa]|genero|nuora|amic[oaie]|vicin[oa]|signor[ae]?|uomo|donna|anzian[oa]"
    r"|paziente|neonat[oa]|gemell[oaie]|primogenit[oa]|studente(?:ssa)?|alunn[oa]|maschio|femmina"
    r"|dottore|dottoressa|medico|maestr[oa]|volontari[oa]|badante|collega|vedov[oa]|pensionat[oa])"
)
_SINGOLARI_IE = frozenset(
    (
        "madre padre nipote genero paziente studente studentessa badante collega dottore dottoressa "
        "moglie femmina"
    ).split()
)
_DETERMINANTI_SINGOLARI = frozenset(
    ("un il lo quel quello questo mio tuo suo nostro vostro del al dal col nel sul").split()
)
_POSSESSIVI_PLURALI = frozenset(
    ("miei mie tuoi tue suoi sue nostri nostre vostri vostre loro due tre quattro cinque i le gli").split()
)
ETA_PARENTELA = re.compile(
    rf"\b{PERSONE_ETA}\b(?:\s+(?:grande|piccol[oa]|maggiore|minore|[A-ZÀ-Ý][a-zà-ÿ'’]+)){{0,2}}"
    rf"\s*(?:,|\(|di|che\s+(?:ha|aveva|compie|ne\s+ha)|ha|aveva|compie|compirà|ne\s+ha)\s*({_ETA_PICCOLI}){_NON_ETA_DOPO}",
    re.IGNORECASE,
)
ETA_DOPO = re.compile(
    rf"\s*(?:,|\(|\bdi\b|\bha\b|\baveva\b|\bcompie\b|\bcompirà\b|\bne\s+ha\b|\bche\s+ha\b|\bche\s+aveva\b)"
    rf"\s*(?:di\s+)?({_ETA_PICCOLI}|{_NUM}(?=\s*[.,;)]|\s+e\s))(?!\s+fa\b)",
    re.IGNORECASE,
)
ETA_AVERE = re.compile(
    rf"(?<!quando\s)\b(?:ho|hai|ha|abbiamo|avete|hanno|avevo|aveva|avevano|compio|compie|compiuto|compiuti|compirò|compirà"
    rf"|fatto|ne\s+ho|ne\s+ha)\s+(?:quasi\s+|già\s+|appena\s+|ormai\s+)?({_ANNI}){_NON_ETA_DOPO}"
    rf"|\bne\s+ho\s+(\d{{1,3}})\b",
    re.IGNORECASE,
)
ETA_A = re.compile(
    rf"(?<![Cc]ondannat[oa]\s)(?:,|\bio|\bche|\bgià|\bsolo|\bormai|\bproprio)\s+a\s+({_ANNI}){_NON_ETA_DOPO}",
    re.IGNORECASE,
)
ETA_COMPLEANNO = re.compile(rf"\b(?:i|gli)\s+({_ANNI})\s+(?:di|del|della)\s+[A-ZÀ-Ý]", re.IGNORECASE)
ETA_ENNE = re.compile(
    rf"\b{PERSONE_ETA}\s+(?:\w+\s+)?(\d{{1,3}}\s?-?enne|(?:dieci|undici|dodici|tredici|quattordici|quindici"
    r"|sedici|diciassett|diciott|diciannov|vent|trent|quarant|cinquant|sessant|settant|ottant|novant)[a-z]*enne)\b",
    re.IGNORECASE,
)


def trova_eta(testo: str, fine_persone: Iterable[int] = ()) -> list[Candidato]:
    """Exact ages of a person: "Giulia, 7 anni", "mia figlia di 12 anni", "ho 82 anni", "a 56 anni",
    "Viola di 11" (after another age), "il figlio quindicenne".

    ``fine_persone`` are the end offsets of the person names already found (or of ``[PERSONA_n]``): an age
    written right after one of them is that person's age.
    """
    if "ann" not in testo and "mes" not in testo and "enne" not in testo and "settiman" not in testo:
        return []
    # the patterns are long alternations: run them only around the words that can end an age
    finestre: list[tuple[int, int]] = []
    for m in _UNITA_ETA.finditer(testo):
        if m.group()[0].lower() in "ams g" and not _NUMERO_PRIMA.search(
            testo, max(0, m.start() - 20), m.start()
        ):
            continue  # "molti anni", "negli anni": no number, no age
        a, b = max(0, m.start() - 70), min(len(testo), m.end() + 25)
        if finestre and a <= finestre[-1][1]:
            finestre[-1] = (finestre[-1][0], b)
        else:
            finestre.append((a, b))
    if not finestre:
        return []
    out: list[Candidato] = []
    for a, b in finestre:
        out.extend(_eta_in(testo, a, b, [f for f in fine_persone if a <= f < b]))
    return out


_NUMERO_PRIMA = re.compile(rf"(?:\d|\b(?:{_numeri_in_lettere()})|['’])\s*$", re.IGNORECASE)
_UNITA_ETA = re.compile(
    r"(?=[aAmMsSgGeEnN])(?:ann[oi]\b|\bmes[ei]\b|settimane\b|giorni\b|enne\b|enni\b|\bne\s+h[oa]\b)",
    re.IGNORECASE,
)


def _eta_in(testo: str, a: int, b: int, fine_persone: Iterable[int]) -> list[Candidato]:
    """The age patterns over ``testo[a:b]`` (offsets stay those of the whole text)."""
    out = []
    for m in ETA_PARENTELA.finditer(testo, a, b):
        prima = re.search(r"(\w+)\s+$", testo[max(0, m.start() - 20) : m.start()])
        if (
            prima
            and re.fullmatch(_NUM, prima.group(1).lower())
            and prima.group(1).lower() not in ("un", "una")
        ):
            continue  # "ventidue bambini di sei anni": a group, not a person's age
        nome_persona = m.group().split()[0].lower()
        precedente = prima.group(1).lower() if prima else ""
        if nome_persona == "signore" and precedente in _DETERMINANTI_SINGOLARI:
            pass  # "un signore di 90 anni"
        elif (
            nome_persona.endswith(("i", "e"))
            and nome_persona not in _SINGOLARI_IE
            and precedente not in _POSSESSIVI_PLURALI
        ):
            continue  # "signore di novant'anni", "figlie di sessant'anni": people in general
        out.append(Candidato(m.start(1), m.end(1), "ETA", 0.85, "regex:eta"))
    for fine in fine_persone:
        dopo = ETA_DOPO.match(testo, fine, b)
        if dopo:
            # "Viola di 11": a bare number is an age only right after another age
            if (
                not re.search(r"ann|mes|settiman|giorn", dopo.group(1))
                and "ann" not in testo[max(0, fine - 80) : fine]
            ):
                continue
            out.append(Candidato(dopo.start(1), dopo.end(1), "ETA", 0.85, "regex:eta-nome"))
    for m in ETA_AVERE.finditer(testo, a, b):
        g = 1 if m.group(1) else 2
        out.append(Candidato(m.start(g), m.end(g), "ETA", 0.75, "regex:eta-avere"))
    for m in ETA_A.finditer(testo, a, b):
        out.append(Candidato(m.start(1), m.end(1), "ETA", 0.7, "regex:eta-a"))
    for m in ETA_COMPLEANNO.finditer(testo, a, b):
        out.append(Candidato(m.start(1), m.end(1), "ETA", 0.7, "regex:eta-compleanno"))
    for m in ETA_ENNE.finditer(testo, a, b):
        out.append(Candidato(m.start(1), m.end(1), "ETA", 0.8, "regex:eta-enne"))
    return out


_DECINE_LETTERE = {
    "vent": 20,
    "trent": 30,
    "quarant": 40,
    "cinquant": 50,
    "sessant": 60,
    "settant": 70,
    "ottant": 80,
    "novant": 90,
    "cent": 100,
}


def _numero_in_lettere(parola: str) -> int | None:
    parola = parola.replace("tré", "tre")
    if parola in ("un", "una"):
        return 1
    if parola in _UNITA_LETTERE:
        return _UNITA_LETTERE.index(parola)
    for radice, valore in _DECINE_LETTERE.items():
        if parola.startswith(radice):
            resto = parola[len(radice) :]
            if (resto[:1] in ("a", "i") and radice != "cent") or (radice == "cent" and resto[:1] == "o"):
                resto = resto[1:]
            radice_resto = resto[:-1] if resto[-1:] in ("a", "e", "i", "o") else resto
            for i, u in enumerate(_UNITA_LETTERE[1:10], start=1):
                if radice_resto and radice_resto in (u[:-1] if u[-1] in "aeio" else u, u):
                    return valore + i
            return valore
    return None


def eta_in_anni(superficie: str) -> list[float]:
    """Ages in an ETA span, in years ("7 e 9 anni" -> [7, 9]; "dodicenne" -> [12]; "8 mesi" -> [0.67])."""
    testo = superficie.lower()
    valori: list[float] = []
    for t in re.findall(r"\d+|[a-zà-ù]+", testo):
        if t.isdigit():
            valori.append(int(t))
        elif t.endswith("enne") and len(t) > 4:
            for vocale in ("e", "o", "i", "a", ""):
                n = _numero_in_lettere(t[:-4] + vocale)
                if n is not None:
                    valori.append(n)
                    break
        else:
            n = _numero_in_lettere(t)
            if n is not None and t not in ("e", "ed"):
                valori.append(n)
    if "mes" in testo:
        return [v / 12 for v in valori]
    return valori
