"""Pattern recognizers for structured personal data in Italian text.

Every recognizer is a compiled regular expression plus, where the identifier has one, a checksum: the
pattern is lenient (spaces, lower case, omocodia) so that recall stays at 1.00, and the checksum decides
the score. A structured candidate that fails its checksum is still masked, with a low score that sends
the story to review: a mistyped codice fiscale is still personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.it import codicefiscale

from analisi.anonimizzazione.tipi import Candidato

# Letters and digits usable in word boundaries (Unicode-aware, without the underscore).
_L = r"[^\W\d_]"

# ---------------------------------------------------------------------------------------------- e-mail
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]*\w@(?:[\w-]+\.)+[A-Za-z]{2,24}(?![\w-])"
    r"|(?<![\w.+-])[\w.+-]*\w\s?(?:\[at\]|\(at\)|\{at\}|\[chiocciola\]|\(chiocciola\)|\s(?:at|chiocciola)\s)"
    r"\s?[\w-]+(?:\s?(?:\.|\[dot\]|\(dot\)|\[punto\]|\(punto\)|\spunto\s)\s?[\w-]+)*"
    r"\s?(?:\.|\[dot\]|\(dot\)|\[punto\]|\(punto\)|\spunto\s)\s?(?:it|com|org|net|eu|info|edu|gov)\b",
    re.IGNORECASE,
)

# ------------------------------------------------------------------------------------------------- URL
URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'«»“”]+"
    r"|(?<![\w@.-])(?:[a-z0-9][a-z0-9-]*\.)+(?:it|com|org|net|eu|info|edu|gov|ly|me|tv|io)"
    r"(?:/[^\s<>\"'«»“”]*)?(?![\w@-])",
    re.IGNORECASE,
)
SOCIAL = re.compile(r"(?=@)(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]{2,29}(?![\w@])")
_CODA_URL = ".,;:!?)]}'\""

# --------------------------------------------------------------------------------------------- phones
# A run of digit groups, possibly with an international prefix; validated and shrunk in code.
TELEFONO = re.compile(
    r"(?=[\d(+])(?<![\w@/])(?<!\d[.,])(?:\(\s?)?(?:\+\s?|00)?\d+\)?"
    r"(?:(?:[ \t]?[.\-/][ \t]?|[ \t]{1,2}|\)\s?|\s?\()\d+\)?)*"
)
CONTESTO_TELEFONO = re.compile(
    r"(?:\btel\b|\btelefono|\btelefonare|\btelefonico|\bcell\b|\bcellulare|\bnumero|\bn\.|\bchiam|\bfax\b"
    r"|\bwhatsapp|\bsms\b|\brecapito|\bcontatt|\bmobile|\bfisso\b|\bcentralino|\bverde\b)",
    re.IGNORECASE,
)
_DATA_ORA = re.compile(
    r"^(?:\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?|\d{1,2}[.:]\d{2}(?:\s?-\s?\d{1,2}[.:]\d{2})?)$"
)
_GRUPPO = re.compile(r"\d+")


def _telefono_valido(cifre: str, internazionale: bool, contesto: bool) -> bool:
    if internazionale:
        if not 8 <= len(cifre) <= 15:
            return False
        try:
            numero = phonenumbers.parse("+" + cifre, None)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(numero) or (contesto and phonenumbers.is_possible_number(numero))
    if cifre[0] not in "038" or not 6 <= len(cifre) <= 11:
        return False
    if cifre[0] == "3" and not 9 <= len(cifre) <= 10:
        return False
    numero = phonenumbers.parse("+39" + cifre, None)
    return phonenumbers.is_valid_number(numero) or (contesto and phonenumbers.is_possible_number(numero))


def trova_telefoni(testo: str) -> list[Candidato]:
    """Italian and international phone numbers in the formats people write."""
    out: list[Candidato] = []
    email = [(e.start(), e.end()) for e in EMAIL.finditer(testo)] if "@" in testo else []
    for m in TELEFONO.finditer(testo):
        frammento = m.group()
        gruppi = list(_GRUPPO.finditer(frammento))
        if email:  # digits of an e-mail address ("00.00@gmail.com") are not part of a number
            gruppi = [
                g
                for g in gruppi
                if not any(a < m.start() + g.end() and m.start() + g.start() < b for a, b in email)
            ]
            if not gruppi:
                continue
        totale = sum(len(g.group()) for g in gruppi)
        if totale < 6:
            continue
        if _DATA_ORA.match(frammento.strip("() ")):
            continue
        inizio_cifre = frammento.find(gruppi[0].group())
        internazionale = "+" in frammento[: inizio_cifre + 1]
        contesto = bool(CONTESTO_TELEFONO.search(testo, max(0, m.start() - 30), m.start()))
        separatori = frammento[gruppi[0].end() : gruppi[-1].start()]
        if (
            len(gruppi) > 1
            and all(len(g.group()) <= 2 for g in gruppi)
            and any(c in separatori for c in "./-")
        ):
            continue  # dates and times such as 08.30-12.30
        # the longest runs of whole groups that are valid numbers: a count or a year may stand before or
        # after one ("nel 2020 333 1234567", "059 2032721 15 volte"), two numbers may follow each other
        primo = 0
        while primo < len(gruppi):
            trovato = _gruppi_validi(frammento, gruppi, primo, internazionale and primo == 0, contesto)
            if trovato is None:
                break
            a, k = trovato
            primo = k
            fine = m.start() + gruppi[k - 1].end()
            if a == 0:
                inizio = m.start() + (0 if frammento[0] in "(+" else inizio_cifre)
                if frammento[0] == "(" and ")" not in testo[inizio:fine]:
                    inizio += 1
            else:
                inizio = m.start() + gruppi[a].start()
                if frammento[gruppi[a].start() - 1 : gruppi[a].start()] == "(":
                    inizio -= 1
                piu = frammento.rfind("+", 0, gruppi[a].start())
                if piu >= 0 and frammento[piu : gruppi[a].start()].strip() == "+":
                    inizio = m.start() + piu
            if contesto:  # an extension written after the number: "051 5277450 - 7451"
                est = re.match(r"[ \t]?[-/][ \t]?\d{2,4}(?![\d\w])", testo[fine:])
                if est:
                    fine += est.end()
            out.append(Candidato(inizio, fine, "TELEFONO", 0.97 if not contesto else 0.99, "regex:telefono"))
    return out


def _gruppi_validi(
    frammento: str, gruppi: list[re.Match[str]], primo: int, internazionale: bool, contesto: bool
) -> tuple[int, int] | None:
    """``(first group, last group + 1)`` of the longest valid phone number among the groups from ``primo``.

    Leading groups may be dropped ("2020 333 1234567", "il 3. 059100000"): what is left must be a valid
    number on its own, which digits glued to a number by chance rarely are.
    """
    n = len(gruppi)
    for a in range(primo, n):
        internaz = internazionale and a == 0
        if a > 0 and frammento[gruppi[a - 1].end() : gruppi[a].start()].strip() == "+":
            internaz = True
        for k in range(n, a, -1):
            if k - a > 1 and len(gruppi[k - 1].group()) < 2:
                continue
            cifre = "".join(g.group() for g in gruppi[a:k])
            internaz_qui = internaz
            if cifre.startswith("00"):  # no Italian number starts with 00: an international prefix
                cifre, internaz_qui = cifre[2:], True
            if _telefono_valido(cifre, internaz_qui, contesto):
                return a, k
    return None


# ------------------------------------------------------------------------------------- codice fiscale
_OMO = "[0-9LMNPQRSTUV]"
CODICE_FISCALE = re.compile(
    rf"\b(?<![A-Za-z0-9])[A-Z]{{3}}[ ]?[A-Z]{{3}}[ ]?{_OMO}{{2}}[A-Z]{_OMO}{{2}}[ ]?[A-Z]{_OMO}{{3}}[A-Z]"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_MESI_CF = set("ABCDEHLMPRST")


def trova_codici_fiscali(testo: str) -> list[Candidato]:
    """Personal codici fiscali: lenient pattern (spaces, lower case, omocodia) plus the check character.

    The birthplace code and the birth date are never checked, so omocodia and rare codes always pass.
    """
    out = []
    for m in CODICE_FISCALE.finditer(testo):
        codice = m.group().replace(" ", "").upper()
        if codicefiscale.calc_check_digit(codice[:15]) == codice[15]:
            out.append(Candidato(m.start(), m.end(), "CODICE_FISCALE", 0.99, "regex:cf"))
        elif codice[8] in _MESI_CF:
            out.append(Candidato(m.start(), m.end(), "CODICE_FISCALE", 0.45, "regex:cf-controllo-errato"))
    return out


# ------------------------------------------------------------------------------------------------ IBAN
IBAN = re.compile(r"\b(?<![A-Za-z0-9])[A-Z]{2}[ ]?\d{2}(?:[ ]?[A-Z0-9]){11,30}", re.IGNORECASE)
_IBAN_IT = re.compile(r"^(?:IT|SM)\d{2}[A-Z]\d{10}[A-Z0-9]{12}$")


def trova_iban(testo: str) -> list[Candidato]:
    """IBANs of any country (ISO 7064 check); an Italian-shaped IBAN with a wrong check is still masked."""
    out = []
    pos = 0
    while True:
        m = IBAN.search(testo, pos)
        if m is None:
            break
        pos = m.start() + 2  # the match may swallow a second IBAN written right after: search again
        frammento = m.group()
        compatto = frammento.replace(" ", "").upper()
        if sum(c.isdigit() for c in compatto) < 10:
            continue  # "ha 12 anni e 3 figli" has the shape, not the digits, of an IBAN
        trovato = None
        for n in range(min(len(compatto), 34), 14, -1):
            if stdnum_iban.is_valid(compatto[:n]):
                trovato = (n, 0.99, "regex:iban")
                break
        if trovato is None and _IBAN_IT.match(compatto[:27]):
            trovato = (27, 0.45, "regex:iban-controllo-errato")
        if trovato is None:
            continue
        n, score, fonte = trovato
        visti = 0
        fine = m.start()
        for i, c in enumerate(frammento):  # map n non-space characters back onto the original span
            if c != " ":
                visti += 1
                if visti == n:
                    fine = m.start() + i + 1
                    break
        if re.match(r"[A-Za-z0-9]", testo[fine : fine + 1]):
            continue  # the valid prefix ends inside a word: not an IBAN
        out.append(Candidato(m.start(), fine, "IBAN", score, fonte))
        pos = fine
    return out


# ------------------------------------------------------------------------------ partita IVA, tessera
PARTITA_IVA = re.compile(
    r"(?=[I\d])(?<![\w.,/-])(?:IT[ ]?)?\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}(?![\w]|[.,/-]\d)"
)
CONTESTO_PIVA = re.compile(
    r"(?:p\.?\s?iva|partita\s+iva|\bp\.\s?i\.|\bc\.?\s?f\.|codice\s+fiscale|\bvat\b)", re.IGNORECASE
)
TESSERA = re.compile(r"(?=8)(?<![\w])80[ -]?380(?:[ -]?\d){15}(?![\d])")


def trova_partite_iva(testo: str) -> list[Candidato]:
    """11-digit partite IVA (and numeric codici fiscali of bodies): check digit, or the words around."""
    out = []
    for m in PARTITA_IVA.finditer(testo):
        cifre = re.sub(r"\D", "", m.group())
        contesto = bool(CONTESTO_PIVA.search(testo, max(0, m.start() - 30), m.start()))
        if luhn.is_valid(cifre) and cifre[:7] != "0000000":
            # the check digit only: the office code (digits 8-10) is not checked, new offices appear
            out.append(Candidato(m.start(), m.end(), "PARTITA_IVA", 0.995 if contesto else 0.9, "regex:piva"))
        elif contesto:
            out.append(Candidato(m.start(), m.end(), "PARTITA_IVA", 0.45, "regex:piva-controllo-errato"))
    return out


def trova_tessere(testo: str) -> list[Candidato]:
    """Tessera sanitaria (TEAM) card numbers: 20 digits starting with 80 380."""
    return [
        Candidato(m.start(), m.end(), "TESSERA_SANITARIA", 0.99, "regex:tessera")
        for m in TESSERA.finditer(testo)
    ]


# ------------------------------------------------------------------------------------------------ plates
_TL = "[A-HJ-NPR-Z]"
TARGA = re.compile(rf"(?=[A-Z])(?<![\w-]){_TL}{{2}}[ -]?\d{{3}}[ -]?{_TL}{{2}}(?![\w-])")
TARGA_CONTESTO = re.compile(
    r"\btarg(?:a|ata|ato|he)\b[^\n.;]{0,15}?\b([A-Z]{2}[ -]?[A-Z0-9]{4,6}|[A-Z0-9]{5,8})\b", re.IGNORECASE
)


def trova_targhe(testo: str) -> list[Candidato]:
    """Italian car plates (AA 123 BB), and older or foreign ones right after the word "targa"."""
    out = [Candidato(m.start(), m.end(), "TARGA", 0.95, "regex:targa") for m in TARGA.finditer(testo)]
    for m in TARGA_CONTESTO.finditer(testo):
        valore = m.group(1)
        if sum(c.isdigit() for c in valore) >= 2 and sum(c.isalpha() for c in valore) >= 1:
            out.append(Candidato(m.start(1), m.end(1), "TARGA", 0.85, "regex:targa-contesto"))
    return out


# ---------------------------------------------------------------------------------------------- emails
def trova_email(testo: str) -> list[Candidato]:
    if "@" not in testo:
        bassa = testo.lower()
        if " at " not in bassa and "(at)" not in bassa and "[at]" not in bassa and "chiocciola" not in bassa:
            return []
    return [Candidato(m.start(), m.end(), "EMAIL", 0.99, "regex:email") for m in EMAIL.finditer(testo)]


_DOMINIO_RAPIDO = re.compile(r"\.(?:it|com|org|net|eu|info|edu|gov|ly|me|tv|io)\b", re.IGNORECASE)


def trova_url(testo: str) -> list[Candidato]:
    out: list[Candidato] = []
    if "@" in testo:
        out.extend(
            Candidato(m.start(), m.end(), "URL", 0.85, "regex:profilo-social") for m in SOCIAL.finditer(testo)
        )
    if "://" not in testo and "www." not in testo.lower() and not _DOMINIO_RAPIDO.search(testo):
        return out
    for m in URL.finditer(testo):
        fine = m.end()
        while fine > m.start() and testo[fine - 1] in _CODA_URL:
            fine -= 1
        schema = m.group().lower().startswith(("http", "www", "ftp"))
        if not schema and "/" not in testo[m.start() : fine]:
            # a bare domain ("comune.modena.it"): masked, but less sure (could be a file name)
            if re.search(r"\.(?:jpg|png|pdf|doc|docx|txt)$", testo[m.start() : fine], re.IGNORECASE):
                continue
            out.append(Candidato(m.start(), fine, "URL", 0.8, "regex:dominio"))
            continue
        out.append(Candidato(m.start(), fine, "URL", 0.99, "regex:url"))
    return out


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
def _numeri_in_lettere() -> str:
    unita = ["uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"]
    speciali = [
        "un",
        "una",
        "dieci",
        "undici",
        "dodici",
        "tredici",
        "quattordici",
        "quindici",
        "sedici",
        "diciassette",
        "diciotto",
        "diciannove",
        "cento",
    ]
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


_UNITA_LETTERE = [
    "zero",
    "uno",
    "due",
    "tre",
    "quattro",
    "cinque",
    "sei",
    "sette",
    "otto",
    "nove",
    "dieci",
    "undici",
    "dodici",
    "tredici",
    "quattordici",
    "quindici",
    "sedici",
    "diciassette",
    "diciotto",
    "diciannove",
]
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


RICONOSCITORI: tuple[Callable[[str], list[Candidato]], ...] = (
    trova_email,
    trova_url,
    trova_telefoni,
    trova_codici_fiscali,
    trova_iban,
    trova_partite_iva,
    trova_tessere,
    trova_targhe,
    trova_indirizzi,
    trova_date_nascita,
    trova_scuole,
)


def trova_strutturati(testo: str) -> list[Candidato]:
    """All pattern recognizers except ages (which need the names found first)."""
    out: list[Candidato] = []
    for riconoscitore in RICONOSCITORI:
        out.extend(riconoscitore(testo))
    return out
