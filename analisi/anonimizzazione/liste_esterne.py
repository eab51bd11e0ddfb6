"""Build the lists taken from MIT-licensed PyPI packages: Italian comuni, first names and surnames.

- ``comuni_italiani.tsv``: every Italian comune, current and historical (ISTAT codes), from
  python-codicefiscale's ``municipalities.json``, plus the distinctive head of the multi-word ones
  ("Barberino" from "Barberino di Mugello"). A comune whose name is also a first name or a surname of any of
  our lists ("Bruno", "Palmira", "Randazzo") or an ordinary word ("Calcio", "Paese") is left out, so that the
  place list never hides a person or a word; the names already in ``luoghi.tsv`` keep their type there.
- ``nomi_esterni.txt``: first names from python-codicefiscale's ``names.json`` (Italian) and Faker's person
  providers for Italy and the countries in ``LOCALI_FAKER`` (Latin script only).
- ``cognomi_esterni.txt``: Italian surnames from Faker's it_IT person provider.

Both packages are MIT-licensed and are not run-time dependencies: install them to regenerate
(``pip install python-codicefiscale==0.12.1 faker==40.54.0``), then, from the repo root,
``python -m analisi.anonimizzazione.liste_esterne``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from analisi.anonimizzazione.risorse import CARTELLA, _righe, lessico, normalizza, parole_di

#: words that join a comune's head to the rest of its name ("Barberino di Mugello", "Castelletto sopra Ticino")
_GIUNTURE = frozenset(
    "di del della dello dei degli delle d in a al alla allo ai sul sulla sullo sui sopra sotto "
    "val valle terme marina lido monte".split()
)
_MAIUSCOLE = frozenset({"val", "valle", "terme", "marina", "lido", "monte"})
_STILE = re.compile(r"^[^\W\d_][^\W\d_'’ -]*(?:[ '’-][^\W\d_]+)*$")


def _titolo(nome: str) -> str:
    """ "BARBERINO DI MUGELLO" / "Barberino Di Mugello" -> "Barberino di Mugello"."""
    parole = re.split(r"(\s+|['’-])", nome.strip())
    out = []
    for k, w in enumerate(parole):
        bassa = w.lower()
        minuscola = k > 0 and (bassa in _GIUNTURE - _MAIUSCOLE or bassa == "e")
        out.append(bassa if minuscola else w[:1].upper() + w[1:].lower())
    return "".join(out)


def comuni_codicefiscale() -> list[str]:
    """Every comune name (current and historical, with its alternative-language name)."""
    dati = json.loads(resources.files("codicefiscale").joinpath("data/municipalities.json").read_text(encoding="utf-8"))
    nomi: set[str] = set()
    for c in dati:
        for campo in ("name", "name_alt"):
            nome = (c.get(campo) or "").strip()
            if nome and _STILE.match(nome):
                nomi.add(_titolo(nome))
    return sorted(nomi)


#: Faker locales whose names are written in Latin letters: Italy, the communities living in Modena (Romania,
#: Ukraine, Morocco and Algeria through French, Pakistan, India, Nigeria, Ghana, the Philippines through
#: English...) and the countries whose names appear in the news.
LOCALI_FAKER = (
    "it_IT en_US en_GB en_IE en_IN en_PK en_NG ig_NG yo_NG ha_NG tw_GH sw de_DE de_AT de_CH fr_FR fr_BE "
    "fr_DZ es_ES es_MX es_AR es_CO pt_BR pt_PT ro_RO pl_PL cs_CZ sk_SK hr_HR sl_SI hu_HU nl_NL sv_SE da_DK "
    "no_NO fi_FI tr_TR id_ID az_AZ uz_UZ lt_LT lv_LV et_EE"
).split()
_LATINO = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’-]*$")


def _nomi_faker(locale: str, attributo: str) -> set[str]:
    import importlib

    try:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError:
        return set()
    valori = getattr(provider, attributo, ())
    if isinstance(valori, dict):
        valori = valori.keys()
    return {v.strip() for v in valori if isinstance(v, str) and _LATINO.match(v.strip())}


def nomi_e_cognomi() -> tuple[list[str], list[str]]:
    """(first names, surnames): python-codicefiscale's Italian names and Faker's names for ``LOCALI_FAKER``."""
    dati = json.loads(resources.files("codicefiscale").joinpath("data/names.json").read_text(encoding="utf-8"))
    nomi = {n.strip() for lista in dati.values() for n in lista if _LATINO.match(n.strip())}
    cognomi: set[str] = set()
    for locale in LOCALI_FAKER:
        for attributo in ("first_names", "first_names_male", "first_names_female"):
            nomi |= _nomi_faker(locale, attributo)
    # surnames only from Italy: a foreign surname alone is no evidence (the rules treat an unknown capitalised
    # word the same way), and many are places or brands ("Arenas", "Richter", "Hines")
    cognomi |= _nomi_faker("it_IT", "last_names")
    return sorted(nomi), sorted(cognomi)


def scrivi(cartella: Path = CARTELLA) -> tuple[int, int, int]:
    """Write the three files; returns how many comuni, first names and surnames were written."""
    lx = lessico()
    nomi, cognomi = nomi_e_cognomi()
    # a comune named like a first name or a surname of any list stays a name ("Bruno", "Palmira", "Randazzo"):
    # a person's name left in clear is worse than a town masked
    a_mano = _righe("nomi_italiani.txt") + _righe("nomi_stranieri.txt")
    nomi_norm = {normalizza(r) for r in a_mano + nomi} | {
        normalizza(r.split("\t")[0]) for r in _righe("nomi_ambigui.txt")
    }
    cognomi_norm = {normalizza(c) for c in _righe("cognomi.txt") + cognomi}
    gia = {tuple(parole_di(r.partition("\t")[0])) for r in _righe("luoghi.tsv")}

    def ammesso(parola: str) -> bool:
        n = normalizza(parola)
        return (
            len(n) >= 4
            and n not in nomi_norm
            and n not in cognomi_norm
            and n not in lx.vocabolario
            and n not in lx.non_nomi
            and lx.kind.get(parola, (0.0, 0))[0] < 0.5
        )

    comuni: dict[str, str] = {}
    for nome in comuni_codicefiscale():
        parole = parole_di(nome)
        if tuple(parole) in gia:
            continue
        testa = nome.split()[0] if " " in nome else None
        if len(parole) == 1:
            if ammesso(nome):
                comuni[nome] = "comune_piccolo"
            continue
        comuni[nome] = "comune_piccolo"
        # the head alone, as people write it: "Barberino" for "Barberino di Mugello"
        if (
            testa
            and "'" not in testa
            and normalizza(nome.split()[1]) in _GIUNTURE
            and (testa,) not in gia
            and ammesso(testa)
        ):
            comuni.setdefault(testa, "comune_piccolo")
    intestazione_comuni = (
        "# Comuni italiani, attuali e soppressi (nome e nome in altra lingua), e la parte iniziale dei nomi\n"
        '# composti ("Barberino" da "Barberino di Mugello"); esclusi quelli omonimi di nomi propri, cognomi\n'
        "# o parole comuni, e quelli già in luoghi.tsv. Colonna 2: tipo.\n"
        "# Fonte: python-codicefiscale 0.12.1 (data/municipalities.json, dati ISTAT/Agenzia delle Entrate),\n"
        "# licenza MIT. Generato da: python -m analisi.anonimizzazione.liste_esterne\n"
    )
    (cartella / "comuni_italiani.tsv").write_text(
        intestazione_comuni + "".join(f"{n}\t{t}\n" for n, t in sorted(comuni.items())), encoding="utf-8"
    )
    intestazione = "# {cosa} da {fonte}.\n# Licenza MIT. Generato da: python -m analisi.anonimizzazione.liste_esterne\n"
    (cartella / "nomi_esterni.txt").write_text(
        intestazione.format(
            cosa="Nomi propri",
            fonte="python-codicefiscale 0.12.1 (data/names.json) e Faker 40.54.0,\n# locali " + " ".join(LOCALI_FAKER),
        )
        + "".join(f"{n}\n" for n in nomi),
        encoding="utf-8",
    )
    (cartella / "cognomi_esterni.txt").write_text(
        intestazione.format(cosa="Cognomi italiani", fonte="Faker 40.54.0 (it_IT)")
        + "".join(f"{c}\n" for c in cognomi),
        encoding="utf-8",
    )
    return len(comuni), len(nomi), len(cognomi)


if __name__ == "__main__":
    n_comuni, n_nomi, n_cognomi = scrivi()
    print(f"comuni {n_comuni}, nomi {n_nomi}, cognomi {n_cognomi}")
