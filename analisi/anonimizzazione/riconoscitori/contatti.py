"""Contacts: e-mail addresses, web addresses and social handles, telephone numbers (validated with
phonenumbers)."""

from __future__ import annotations

import re

import phonenumbers

from analisi.anonimizzazione.tipi import Candidato

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
