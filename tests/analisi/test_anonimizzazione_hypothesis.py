"""Property tests: valid e-mails, phone numbers, IBANs and codici fiscali planted in random Italian text
never survive anonymisation; offsets are exact; anonymising the output changes nothing."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.it import codicefiscale

from analisi.anonimizzazione import Anonimizzatore, Esito, Span
from analisi.anonimizzazione.riconoscitori.codici import trova_codici_fiscali, trova_iban
from analisi.anonimizzazione.riconoscitori.contatti import trova_email, trova_telefoni

LETTERE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OMOCODIA = dict(zip("0123456789", "LMNPQRSTUV", strict=True))
POSIZIONI_CIFRE_CF = (6, 7, 9, 10, 12, 13, 14)

PAROLE = [
    "il",
    "la",
    "mia",
    "figlia",
    "Giulia",
    "Rossi",
    "ha",
    "chiamato",
    "da",
    "Modena",
    "via",
    "tel",
    "nata",
    "è",
    "AUSL",
    "dell'Agenzia",
    "anni",
    "3",
    "12",
    "2020",
    "e",
    "poi",
    "scritto",
    "a",
    "Marco",
    "numero",
    "mail",
    "Comune",
    "di",
    "Sassuolo",
    "ciao",
    "grazie",
    "Sant'Agnese",
    "oggi",
    "cell",
    "IBAN",
    "CF",
    "codice",
    "fiscale",
    "perché",
    "così",
    "città",
    "Nicolò",
    "signora",
    "Bianchi",
    "lockdown",
    "[PERSONA_1]",
    "p.zza",
    "v.le",
]
SEPARATORI = [" ", ", ", ": ", ". ", "\n", " - ", "; "]


@st.composite
def codici_fiscali(draw: st.DrawFn) -> str:
    lettere = st.sampled_from(LETTERE)
    cifre = st.sampled_from("0123456789")
    base = [draw(lettere) for _ in range(6)] + [
        draw(cifre),
        draw(cifre),
        draw(st.sampled_from("ABCDEHLMPRST")),
    ]
    giorno = draw(st.integers(1, 31)) + draw(st.sampled_from([0, 40]))
    base += list(f"{giorno:02d}") + [draw(lettere)] + [draw(cifre) for _ in range(3)]
    for pos in draw(st.sets(st.sampled_from(POSIZIONI_CIFRE_CF))):  # omocodia on any digit
        base[pos] = OMOCODIA[base[pos]]
    codice = "".join(base)
    codice += codicefiscale.calc_check_digit(codice)
    if draw(st.booleans()):
        codice = codice.lower()
    if draw(st.booleans()):
        codice = f"{codice[:3]} {codice[3:6]} {codice[6:11]} {codice[11:]}"
    return codice


@st.composite
def iban_italiani(draw: st.DrawFn) -> str:
    cin = draw(st.sampled_from(LETTERE))
    abi_cab = "".join(draw(st.sampled_from("0123456789")) for _ in range(10))
    conto = "".join(draw(st.sampled_from("0123456789" + LETTERE)) for _ in range(12))
    bban = cin + abi_cab + conto
    codice = "IT" + stdnum_iban.calc_check_digits("ITXX" + bban) + bban
    assert stdnum_iban.is_valid(codice)
    if draw(st.booleans()):
        return " ".join(codice[i : i + 4] for i in range(0, len(codice), 4))
    return codice


@st.composite
def telefoni(draw: st.DrawFn) -> str:
    mobile = draw(st.booleans())
    if mobile:
        prefisso = draw(
            st.sampled_from(
                [
                    "320",
                    "327",
                    "328",
                    "329",
                    "331",
                    "333",
                    "338",
                    "339",
                    "340",
                    "347",
                    "348",
                    "349",
                    "351",
                    "366",
                    "380",
                    "389",
                    "393",
                ]
            )
        )
        resto = "".join(draw(st.sampled_from("0123456789")) for _ in range(7))
    else:
        prefisso = draw(st.sampled_from(["059", "051", "02", "06", "0522", "0536", "0535"]))
        resto = "".join(draw(st.sampled_from("0123456789")) for _ in range(draw(st.integers(6, 7))))
        resto = draw(st.sampled_from("123456789")) + resto[1:]
    numero = prefisso + resto
    assert phonenumbers.is_valid_number(phonenumbers.parse("+39" + numero))
    stile = draw(st.integers(0, 8))
    if stile == 0:
        return numero
    if stile == 1:
        return f"{prefisso} {resto}"
    if stile == 2:
        return f"{prefisso}-{resto}"
    if stile == 3:
        return f"{prefisso}.{resto}"
    if stile == 4:
        return f"+39 {prefisso} {resto}"
    if stile == 5:
        return f"0039 {prefisso} {resto}"
    if stile == 6:
        return f"{prefisso}/{resto}"
    if stile == 7 and mobile:
        return f"{prefisso} {resto[:2]} {resto[2:4]} {resto[4:]}"
    return f"+39{numero}"


@st.composite
def email(draw: st.DrawFn) -> str:
    parte = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=10)
    locale = draw(parte) + draw(st.sampled_from(["", ".", "_", "-"])) + draw(parte)
    dominio = draw(
        st.sampled_from(
            [
                "gmail.com",
                "libero.it",
                "ausl.mo.it",
                "comune.modena.it",
                "alice.it",
                "hotmail.it",
                "regione.emilia-romagna.it",
                "pec.it",
            ]
        )
    )
    return f"{locale}@{dominio}"


IDENTIFICATIVI = st.one_of(
    st.tuples(st.just("CF"), codici_fiscali()),
    st.tuples(st.just("IBAN"), iban_italiani()),
    st.tuples(st.just("TEL"), telefoni()),
    st.tuples(st.just("EMAIL"), email()),
)


@st.composite
def storie(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    pezzi: list[str] = []
    piantati: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 4))):
        pezzi.extend(draw(st.lists(st.sampled_from(PAROLE), min_size=0, max_size=6)))
        tipo, valore = draw(IDENTIFICATIVI)
        piantati.append((tipo, valore))
        pezzi.append(valore)
    pezzi.extend(draw(st.lists(st.sampled_from(PAROLE), max_size=4)))
    testo = ""
    for i, pezzo in enumerate(pezzi):
        testo += (draw(st.sampled_from(SEPARATORI)) if i else "") + pezzo
    return testo, piantati


@pytest.fixture(scope="module")
def anon() -> Anonimizzatore:
    return Anonimizzatore()


def _compatto(s: str) -> str:
    return re.sub(r"[^0-9A-Za-z@]", "", s).upper()


IMPOSTAZIONI = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@IMPOSTAZIONI
@given(storia=storie())
def test_nessun_identificativo_sopravvive(
    anon: Anonimizzatore, storia: tuple[str, list[tuple[str, str]]]
) -> None:
    testo, piantati = storia
    esito = anon.anonimizza(testo)
    uscita = esito.testo_anon
    for _, valore in piantati:
        assert valore not in uscita
        assert _compatto(valore) not in _compatto(uscita)
    assert trova_email(uscita) == []
    assert trova_telefoni(uscita) == []
    assert trova_iban(uscita) == []
    assert trova_codici_fiscali(uscita) == []


@IMPOSTAZIONI
@given(storia=storie())
def test_offset_esatti(anon: Anonimizzatore, storia: tuple[str, list[tuple[str, str]]]) -> None:
    testo, _ = storia
    esito = anon.anonimizza(testo)
    precedente = 0
    for e in esito.entita:
        assert testo[e.start : e.end] == e.text
        assert e.start >= precedente
        precedente = e.end
    # rebuilding the text from the entities and the placeholders gives back the output
    ricostruito = testo
    for e in reversed(esito.entita):
        segnaposto = re.match(r"\[[A-Z_0-9]+\]", esito.testo_anon[_posizione(esito, e) :])
        assert segnaposto is not None
        ricostruito = ricostruito[: e.start] + segnaposto.group() + ricostruito[e.end :]
    assert ricostruito == esito.testo_anon


def _posizione(esito: Esito, entita: Span) -> int:
    """Offset of an entity's placeholder in the anonymised text."""
    spostamento = 0
    for e in esito.entita:
        if e is entita:
            return e.start + spostamento
        segnaposto = re.match(r"\[[A-Z_0-9]+\]", esito.testo_anon[e.start + spostamento :])
        assert segnaposto is not None
        spostamento += len(segnaposto.group()) - (e.end - e.start)
    raise AssertionError("entity not found")


@IMPOSTAZIONI
@given(storia=storie())
def test_idempotente(anon: Anonimizzatore, storia: tuple[str, list[tuple[str, str]]]) -> None:
    testo, _ = storia
    una = anon.anonimizza(testo).testo_anon
    due = anon.anonimizza(una)
    assert due.testo_anon == una
    assert due.entita == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    testo=st.text(alphabet=st.sampled_from(list("abcdeèòàAGMRS 0123456789.,:;'()[]@+-/\n_")), max_size=120)
)
def test_testo_qualsiasi(anon: Anonimizzatore, testo: str) -> None:
    esito = anon.anonimizza(testo)
    for e in esito.entita:
        assert testo[e.start : e.end] == e.text
    assert anon.anonimizza(esito.testo_anon).testo_anon == esito.testo_anon
