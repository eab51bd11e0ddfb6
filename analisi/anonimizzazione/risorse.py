"""Name lists and allow-lists from ``analisi/risorse`` and a fast phrase matcher over word tokens.

Lists are read once, lazily (nothing happens at import time). Matching is on normalised word tokens
(lower case, no accents, apostrophes and hyphens split), so "Sant’Agnese", "sant'agnese" and
"SANT'AGNESE" are the same phrase.
"""

from __future__ import annotations

import marshal
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from analisi import cache_utente

CARTELLA = Path(__file__).resolve().parent.parent / "risorse"

#: A word token: letters only, or digits only (so "dell'Agenzia" -> "dell", "Agenzia").
PAROLA = re.compile(r"[^\W\d_]+|\d+")

_SENZA_ACCENTI = str.maketrans("àáâäèéêëìíîïòóôöùúûüçñ", "aaaaeeeeiiiioooouuuucn")


def normalizza(parola: str) -> str:
    """Lower case without accents (sloppy texts drop them: "Forli", "Nicolo")."""
    bassa = parola.lower()
    if bassa.isascii():
        return bassa
    bassa = bassa.translate(_SENZA_ACCENTI)
    if not bassa.isascii():
        bassa = "".join(c for c in unicodedata.normalize("NFKD", bassa) if not unicodedata.combining(c))
    return bassa


def parole_di(testo: str) -> list[str]:
    return [normalizza(m.group()) for m in PAROLA.finditer(testo)]


def _righe(nome: str) -> list[str]:
    path = CARTELLA / nome
    out = []
    with open(path, encoding="utf-8") as f:
        for riga in f:
            riga = riga.strip()
            if riga and not riga.startswith("#"):
                out.append(riga)
    return out


class Frasario:
    """Phrases (sequences of normalised words) with a tag, found over a token list in one pass."""

    def __init__(self) -> None:
        self._per_inizio: dict[str, list[tuple[tuple[str, ...], str]]] = {}

    def aggiungi(self, frase: str, tipo: str) -> None:
        parole = tuple(parole_di(frase))
        if not parole:
            return
        lista = self._per_inizio.setdefault(parole[0], [])
        if any(p == parole for p, _ in lista):
            return
        lista.append((parole, tipo))
        lista.sort(key=lambda x: -len(x[0]))

    def aggiungi_tutte(self, frasi: Iterable[str], tipo: str) -> None:
        for f in frasi:
            self.aggiungi(f, tipo)

    def copia(self) -> Frasario:
        nuovo = Frasario()
        nuovo._per_inizio = {k: list(v) for k, v in self._per_inizio.items()}
        return nuovo

    def __contains__(self, frase: str) -> bool:
        parole = tuple(parole_di(frase))
        return bool(parole) and any(p == parole for p, _ in self._per_inizio.get(parole[0], ()))

    def trova(self, norme: Sequence[str]) -> list[tuple[int, int, str]]:
        """Longest phrases over the normalised tokens: ``(first token, last token + 1, tipo)``."""
        out = []
        i = 0
        n = len(norme)
        indice = self._per_inizio
        while i < n:
            lista = indice.get(norme[i])
            if lista:
                for parole, tipo in lista:
                    k = len(parole)
                    if i + k <= n and (k == 1 or tuple(norme[i : i + k]) == parole):
                        out.append((i, i + k, tipo))
                        i += k - 1
                        break
            i += 1
        return out


@dataclass(frozen=True)
class Lessico:
    """Everything the name rules need, loaded once."""

    nomi: frozenset[str]
    nomi_deboli: frozenset[str]
    nomi_tutti: frozenset[str]
    nomi_accentati: frozenset[str]
    cognomi: frozenset[str]
    ambigui: frozenset[str]
    ambigui_nomi: frozenset[str]
    kind: dict[str, tuple[float, int]]
    kind_minuscoli: frozenset[str]
    non_nomi: frozenset[str]
    comuni: frozenset[str]
    vocabolario: frozenset[str]
    vocabolario_it: frozenset[str]
    tipi_luogo: dict[tuple[str, ...], str]
    frasario: Frasario


@cache
def lessico() -> Lessico:
    """Load the lists in ``analisi/risorse`` (cached for the process).

    Building them reads simplemma's dictionaries and normalises half a million words (seconds at every
    start); the result is kept in the user's cache directory as a ``marshal`` file (plain data, no code)
    named after the hash of every input — the lists, this module, simplemma's version, Python's — so a
    changed list or rule builds it again. Without a writable cache it is built every time, as before.
    """
    percorso = _file_cache()
    dati = cache_utente.leggi(percorso)
    if dati is not None:
        try:
            return _da_dati(marshal.loads(dati))
        except (EOFError, ValueError, TypeError):
            pass  # not one we wrote: build it again
    lx = _costruisci_lessico()
    cache_utente.scrivi(percorso, marshal.dumps(_in_dati(lx)))  # type: ignore[arg-type]  # plain data
    return lx


def _file_cache() -> Path | None:
    """Where the built lists of these exact inputs are cached (``None``: no home directory to cache in)."""
    file = [*sorted(p for p in CARTELLA.iterdir() if p.is_file()), Path(__file__)]
    chiave = cache_utente.impronta([*cache_utente.file_sorgente(*file), str(marshal.version).encode()],
                                   ["simplemma"])
    return cache_utente.percorso(f"lessico-{chiave}.marshal")


def _in_dati(lx: Lessico) -> tuple[object, ...]:
    campi = [getattr(lx, f.name) for f in fields(Lessico)]
    campi[-1] = lx.frasario._per_inizio
    return tuple(campi)


def _da_dati(dati: tuple[object, ...]) -> Lessico:
    campi = list(dati)
    if len(campi) != len(fields(Lessico)) or not isinstance(campi[-1], dict):
        raise ValueError("cached lists of another shape")
    frasario = Frasario()
    frasario._per_inizio = campi[-1]
    campi[-1] = frasario
    return Lessico(*campi)  # type: ignore[arg-type]


def _costruisci_lessico() -> Lessico:
    righe_ambigui = [r.split("\t") for r in _righe("nomi_ambigui.txt")]
    ambigui = frozenset(normalizza(r[0]) for r in righe_ambigui)
    ambigui_nomi = frozenset(normalizza(r[0]) for r in righe_ambigui if len(r) > 1 and r[1] == "nome")
    italiane, inglesi = _vocabolario_simplemma()
    righe_comuni = _righe("parole_comuni.txt")
    comuni = frozenset(righe_comuni) | frozenset(normalizza(r) for r in righe_comuni)
    vocabolario_it = comuni | italiane
    vocabolario = vocabolario_it | inglesi
    # the generated lists (liste_esterne) are larger and unchecked by hand: an entry that is also an ordinary
    # Italian word ("Fortunato", "Costa") is left to the context rules; a first name that is an English word
    # ("Duke", "Rose", "Will") is ambiguous, a surname that is one ("Newton", "Young") is dropped
    a_mano = frozenset(normalizza(r) for r in _righe("nomi_italiani.txt") + _righe("nomi_stranieri.txt"))
    tutti_esterni = frozenset(normalizza(r) for r in _righe("nomi_esterni.txt"))
    esterni = tutti_esterni - vocabolario_it
    esterni_ambigui = (esterni & inglesi) - a_mano
    cognomi_esterni = frozenset(normalizza(r) for r in _righe("cognomi_esterni.txt")) - vocabolario
    ambigui = ambigui | esterni_ambigui
    ambigui_nomi = ambigui_nomi | esterni_ambigui
    nomi = (a_mano | esterni) - ambigui
    # names only in the generated lists: strong inside a full name ("Isaac Newton"), weak alone ("a Valencia")
    kind_nomi = frozenset(normalizza(r.split("\t")[0]) for r in _righe("nomi_kind.tsv"))
    nomi_deboli = esterni - a_mano - kind_nomi
    # every first name of every list, ordinary words included ("Pio", "Fortunato"): never a proper noun's head
    nomi_tutti = a_mano | ambigui | tutti_esterni
    nomi_accentati = frozenset(
        r.lower()
        for r in _righe("nomi_italiani.txt") + _righe("nomi_stranieri.txt") + _righe("cognomi.txt")
        if not r.isascii()
    )
    cognomi = (frozenset(normalizza(r) for r in _righe("cognomi.txt")) | cognomi_esterni) - ambigui
    kind: dict[str, tuple[float, int]] = {}
    for riga in _righe("nomi_kind.tsv"):
        forma, per, tot = riga.split("\t")
        kind[forma] = (int(per) / max(int(tot), 1), int(per))
    kind_minuscoli = frozenset(normalizza(f) for f, (quota, _) in kind.items() if quota >= 0.8)
    non_nomi = frozenset(normalizza(r) for r in _righe("parole_non_nomi.txt"))
    frasario = Frasario()
    tipi_luogo: dict[tuple[str, ...], str] = {}
    for riga in _righe("luoghi.tsv"):
        nome, _, tipo = riga.partition("\t")
        frasario.aggiungi(nome, "luogo")
        tipi_luogo[tuple(parole_di(nome))] = tipo or "luogo"
    for riga in _righe("comuni_italiani.tsv"):
        nome, _, tipo = riga.partition("\t")
        chiave = tuple(parole_di(nome))
        if chiave not in tipi_luogo:
            frasario.aggiungi(nome, "luogo")
            tipi_luogo[chiave] = tipo or "comune_piccolo"
    frasario.aggiungi_tutte(_righe("istituzioni.txt"), "istituzione")
    return Lessico(
        nomi,
        nomi_deboli,
        nomi_tutti,
        nomi_accentati,
        cognomi,
        ambigui,
        ambigui_nomi,
        kind,
        kind_minuscoli,
        non_nomi,
        comuni,
        vocabolario,
        vocabolario_it,
        tipi_luogo,
        frasario,
    )


def _vocabolario_simplemma() -> tuple[frozenset[str], frozenset[str]]:
    """(Italian word forms and lemmas, English lemmas) from simplemma's dictionaries (a dependency, MIT).

    simplemma's ``is_known`` misses many base forms ("lavoro", "povertà"), so keys and values are taken
    directly; English lemmas cover the English words common in Italian texts ("market", "day").
    """
    try:
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        fabbrica = DefaultDictionaryFactory()
        it = fabbrica.get_dictionary("it")
        italiane = set(it.keys()) | set(it.values())
        inglesi = set(fabbrica.get_dictionary("en").values())
    except Exception:
        return frozenset(), frozenset()

    def pulisci(parole: set[str]) -> frozenset[str]:
        minuscole = {w for w in parole if w.isalpha() and w.islower()}
        return frozenset(minuscole | {normalizza(w) for w in minuscole})

    return pulisci(italiane), pulisci(inglesi)


def associazioni_corpus(percorso: Path) -> list[str]:
    """Association names from a CSV with a ``nome`` column (``corpus/associazioni.csv``)."""
    import csv

    with open(percorso, encoding="utf-8", newline="") as f:
        return [r["nome"] for r in csv.DictReader(f) if r.get("nome")]
