"""Where a person lives or studies: street addresses (with civic number, CAP and town) and children's
schools."""

from __future__ import annotations

import re

from analisi.anonimizzazione.tipi import Candidato

# ------------------------------------------------------------------------------------------ addresses
TIPO_VIA = re.compile(
    r"\b(?<![\w.])(?:via|viale|v\.le|v\.|piazza|p\.zza|p\.za|p\.le|piazzale|piazzetta|corso|c\.so|strada|str\."
    r"|stradello|vicolo|v\.lo|largo|l\.go|borgo|contrada|c\.da|località|loc\.|frazione|fraz\.|galleria|salita"
    r"|vico|rotonda|circonvallazione|traversa|lungomare|lungargine|passaggio|calle)(?=\s)",
    re.IGNORECASE,
)
_PAROLA_VIA = re.compile(
    r"[ \t]*(?:(,)[ \t]*)?(?:(n\.?|n°|nr\.?|num\.?|numero)[ \t]*)?"
    # a letter after the number is part of it ("12a", "12 B"), but not a vowel after a space: "12 a Modena",
    # "3 e poi" are a preposition and a conjunction
    r"(?:(\d{1,4}(?:[ \t]?/[ \t]?[A-Za-z0-9]{1,3}|[A-Za-z](?![\w'’])|[ \t](?![aeioAEIO](?![\w'’]))[A-Za-z](?![\w'’])"
    r"|[ \t](?:bis|ter)\b)?)"
    r"(?![\w/.,]\d|[\w])"
    r"|([^\W\d_][\w'’.-]*?(?:['’](?=[^\W\d_]))?(?=[\s,;:)(]|['’]|$))|((?:[IVXL]+|\d{1,2}(?=\s[A-Z])))\b)"
)
_PARTICELLE_VIA = frozenset(
    (
        "di del dello della dei degli delle da dal dalla de e ed in sul sulla al alla ai la lo le "
        "dell' dell’ d' d’ sant' sant’ san santa santo"
    ).split()
)
_NON_VIE = frozenset(
    (
        "zoom skype meet teams whatsapp facebook mail email e-mail telefono web internet crucis "
        "lattea instagram telegram messenger google sms posta pec italiano inglese yoga formazione "
        "laurea studi aggiornamento"
    ).split()
)
_NON_NOMI_VIA = frozenset(
    (
        "con che per tra fra a ad il un una uno tutto tutti tutte subito presto quasi anche poi non "
        "più ogni circa dopo verso oltre solo già ancora mai sempre io noi lui lei loro mi ci si ti "
        "vi ne lì là"
    ).split()
)
_UNITA = re.compile(
    r"\s*(?:volt[ae]|giorn[oi]|ann[oi]|or[ae]|mes[ei]|settiman[ae]|minut[oi]|euro|€|persone|km"
    r"|metri|chil[oi]|kg|anni|figli|bambini|%|per\s+cento)\b",
    re.IGNORECASE,
)
RESIDENZA = re.compile(
    r"\b(?:abit[oaie]\w*|viv[oei]|viviamo|vivono|vivev\w+|resident[ei]|residenza|domicili\w*|casa\s+(?:mia|nostra|sua)"
    r"|st[oa]|stiamo|stanno|trasferit[oaie]|traslocat[oaie]|indirizzo)\b[^.;\n]{0,12}$",
    re.IGNORECASE,
)
CAP_CITTA = re.compile(
    r"(?=\d)(?<![\w,.-])\d{5}[ \t]+[A-ZÀ-Ý][\w'’]+(?:[ -][A-ZÀ-Ý][\w'’]+){0,3}(?:[ \t]?\([A-Z]{2}\))?"
)
_CAP_DOPO = re.compile(
    r"[ \t]*[,-]?[ \t]*(\d{5}[ \t]+[A-ZÀ-Ý][\w'’]+(?:[ -][A-ZÀ-Ý][\w'’]+){0,3}(?:[ \t]?\([A-Z]{2}\))?)"
)


def _un_indirizzo(testo: str, m: re.Match[str]) -> Candidato | None:
    """Read the street name and civic number after a street word; ``None`` if it is not an address."""
    pos = m.end()
    nomi: list[tuple[int, int, str]] = []
    civico_fine = None
    while len(nomi) < 7:
        p = _PAROLA_VIA.match(testo, pos)
        if not p or p.end() == pos:
            break
        virgola, numero, parola, romano = p.group(1), p.group(3), p.group(4), p.group(5)
        if numero is not None:
            if nomi:
                civico_fine = p.end()
            break
        if virgola or p.group(2):
            break
        w = parola or romano
        if w is None:
            break
        nomi.append((p.start(4) if parola else p.start(5), p.end(), w))
        pos = p.end()
    while nomi and nomi[-1][2].lower() in _PARTICELLE_VIA:
        nomi.pop()
        civico_fine = None
    if not nomi or nomi[0][2].lower() in _NON_VIE:
        return None
    maiuscole = [w for _, _, w in nomi if w[0].isupper()]
    if civico_fine is not None:
        minuscole = [w for _, _, w in nomi if not w[0].isupper() and w.lower() not in _PARTICELLE_VIA]
        sospetto = any(w.lower() in _NON_NOMI_VIA for w in minuscole)
        if (maiuscole and not sospetto) or (not sospetto and not _UNITA.match(testo, civico_fine)):
            fine = civico_fine
            cap = _CAP_DOPO.match(testo, fine)
            if cap:
                fine = cap.end()
            return Candidato(m.start(), fine, "INDIRIZZO", 0.95 if maiuscole else 0.8, "regex:indirizzo")
    # without a civic number: a capitalised street name where someone lives ("abito in via Giardini");
    # a street merely mentioned ("un condominio in via Tagliazucchi") stays, as the corpus gold does
    if not RESIDENZA.search(testo, max(0, m.start() - 35), m.start()):
        return None
    fine_nome: int | None = None
    for _, fine_parola, w in nomi:
        if w[0].isupper():
            fine_nome = fine_parola
        elif w.lower() not in _PARTICELLE_VIA:
            break
    if fine_nome is None or (not nomi[0][2][0].isupper() and nomi[0][2].lower() not in _PARTICELLE_VIA):
        return None
    cap = _CAP_DOPO.match(testo, fine_nome)
    if cap:
        fine_nome = cap.end()
    return Candidato(m.start(), fine_nome, "INDIRIZZO", 0.7, "regex:via")


def trova_indirizzi(testo: str) -> list[Candidato]:
    """Street addresses with a civic number (any case), named streets (capitalised), and CAP + town."""
    out = []
    for m in TIPO_VIA.finditer(testo):
        c = _un_indirizzo(testo, m)
        if c is not None:
            out.append(c)
    for m in CAP_CITTA.finditer(testo):
        cap = int(m.group()[:5])
        if 10 <= cap <= 98168:
            out.append(Candidato(m.start(), m.end(), "INDIRIZZO", 0.75, "regex:cap"))
    return out


# ------------------------------------------------------------------------------------- children's schools
SCUOLA = re.compile(
    r"\b(?<![\w])(?:(?i:scuol[ae]|istituto(?:\s+comprensivo)?|liceo|asilo(?:\s+nido)?|nido|materna|elementar[ei]|primaria"
    r"|medie|convitto|collegio|polo\s+scolastico|ludoteca)"
    r"(?:\s+(?i:statale|comunale|paritaria|privata|primaria|elementare|media|materna|dell['’]infanzia"
    r"|d['’]infanzia|secondaria(?:\s+di\s+(?:primo|secondo|1°|2°)\s+grado)?|superiore|tecnico|professionale"
    r"|scientifico|classico|linguistico|artistico|musicale|nido))*"
    r"|ITIS|IPSIA|ITC|ITG|IIS|ISIS|IPSSAR|IPC|ITCG|I\.C\.|IC)"
    r"\s+(?:[\"“«']\s?)?(?:(?:di|del|della|dei|de|san|santa|sant['’])\s+|[dD]['’])?"
    r"[A-ZÀ-Ý](?:\.|[\w'’-]*)"
    r"(?:[ -](?:(?:e|di|del|della|dei|de|la|il|lo)\s+)?(?:[A-ZÀ-Ý](?:\.|[\w'’-]*)|[IVX]+\b|\d{1,2}\b))*"
    r"(?:\s?[\"”»'])?"
)
_DESCRITTORI_SCUOLA = frozenset(
    (
        "scuola scuole istituto comprensivo liceo asilo nido materna elementare elementari medie "
        "media convitto collegio polo scolastico ludoteca statale comunale paritaria privata primaria"
        " secondaria superiore tecnico professionale scientifico classico linguistico artistico "
        "musicale infanzia"
    ).split()
)
_SCUOLE_NON = frozenset(("italiano italiana lingua musica danza ballo calcio guida cucina").split())


def trova_scuole(testo: str) -> list[Candidato]:
    """Named schools ("la scuola elementare Giovanni Pascoli", "liceo Muratori"): ORGANIZZAZIONE [SCUOLA]."""
    out = []
    for m in SCUOLA.finditer(testo):
        nomi = [
            n for n in re.findall(r"[A-ZÀ-Ý][\w'’.-]*", m.group()) if n.lower() not in _DESCRITTORI_SCUOLA
        ]
        if not nomi or nomi[-1].lower() in _SCUOLE_NON:
            continue
        if all(
            n.lower() in ("modena", "carpi", "sassuolo", "vignola", "mirandola", "bologna", "reggio")
            for n in nomi
            if not n.isupper()
        ) and not any(n.isupper() for n in nomi):
            continue  # "le scuole di Modena": a city, not a school
        out.append(Candidato(m.start(), m.end(), "ORGANIZZAZIONE", 0.9, "regola:scuola"))
    return out
