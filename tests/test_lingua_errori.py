"""The language rule of archivio/errori.py, kept: a message written in the code for an ErroreNarrazioni is Italian.

Walks the syntax tree of the product packages, finds every ``raise X(...)`` whose ``X`` is (imported and
checked to be) a subclass of ErroreNarrazioni and whose message (its first str argument) is a string literal
or an f-string, and fails when the constant text of that message reads as English. Names of commands,
settings, files and options (in backquotes or quotes, or written as ``--opzione``, ``NARRAZIONI_...``,
``file.ext``, ``a/b``) are left out of the check.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import analisi
import archivio
import narrazioni
import raccolta
from archivio.errori import ErroreNarrazioni

RADICE = Path(__file__).resolve().parent.parent
PACCHETTI = ("archivio", "analisi", "raccolta", "narrazioni", "pagine")

# English function words and the usual words of an English error message; none is an Italian word
INGLESI = frozenset("""
    the is are was were be been not cannot can't isn't doesn't don't does did has have had will would should
    could must unknown found exists exist already missing invalid run please with from for of to this that
    there which into than and or an at by on it its use using need needs expected got failed empty too many
    only nothing none neither nor wrong give user key unsupported supported malformed near used twice declares
    holds headings damaged refused split more large read load stage known taxonomy model coder role sheet
    sheets rows row column columns stories story text directory folder choose
""".split())

# names a message may quote as they are: `...`, '...' (not an elision: l'utente), "...", --options, SETTINGS_NAMES,
# file.ext, paths
_NOMI = re.compile(r"`[^`]*`|(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|--[\w-]+|\w*_\w*|[\w./-]+\.\w+|\S*/\S*")


def _classi_errore() -> dict[str, type[BaseException]]:
    """Every name under which a product module holds an ErroreNarrazioni subclass (aliases included)."""
    per_nome: dict[str, type[BaseException]] = {}
    for pacchetto in (archivio, analisi, raccolta, narrazioni):
        for info in pkgutil.walk_packages(pacchetto.__path__, pacchetto.__name__ + "."):
            if ".migrazioni" in info.name or info.name.endswith("__main__"):
                continue
            for nome, oggetto in vars(importlib.import_module(info.name)).items():
                if inspect.isclass(oggetto) and issubclass(oggetto, ErroreNarrazioni):
                    per_nome[nome] = oggetto
    return per_nome


def _testo_costante(nodo: ast.expr) -> str | None:
    """The constant text of a str literal or an f-string (each ``{...}`` becomes a space); None otherwise."""
    if isinstance(nodo, ast.Constant) and isinstance(nodo.value, str):
        return nodo.value
    if isinstance(nodo, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else " " for v in nodo.values)
    return None


def parole_inglesi(testo: str) -> list[str]:
    """The English words of a message, once the names it quotes are taken out."""
    return [p for p in re.findall(r"[a-z]+(?:'[a-z]+)?", _NOMI.sub(" ", testo).lower()) if p in INGLESI]


def messaggi_inglesi(radice: Path, classi: dict[str, type[BaseException]]) -> list[str]:
    """``file:line: [words] text`` for each English message of an ErroreNarrazioni raised under ``radice``."""
    trovati = []
    for pacchetto in PACCHETTI:
        for file in sorted((radice / pacchetto).rglob("*.py")):
            if "migrazioni" in file.parts:
                continue
            albero = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            for nodo in ast.walk(albero):
                if not (isinstance(nodo, ast.Raise) and isinstance(nodo.exc, ast.Call) and nodo.exc.args):
                    continue
                funzione = nodo.exc.func
                nome = funzione.id if isinstance(funzione, ast.Name) else getattr(funzione, "attr", None)
                if nome not in classi:
                    continue
                for argomento in nodo.exc.args:  # the message is the first str (ErroreRigaJsonl: after the line)
                    testo = _testo_costante(argomento)
                    if testo is not None:
                        if parole := parole_inglesi(testo):
                            trovati.append(f"{file.relative_to(radice)}:{nodo.lineno}: {parole} {testo!r}")
                        break
    return trovati


def test_il_controllo_riconosce_un_messaggio_inglese(tmp_path: Path) -> None:
    (tmp_path / "archivio").mkdir()
    (tmp_path / "archivio" / "m.py").write_text(
        "from archivio.errori import ErroreDati\n"
        "def f(n):\n"
        "    raise ErroreDati('il file `the is not` non esiste: controlla NARRAZIONI_ARCHIVIO__FILE_CHIAVE')\n"
        "def g(n):\n"
        "    raise ErroreDati(f'user {n} exists already')\n"
        "def h(n):\n"
        "    raise ValueError('the value is not valid')\n"
        "def i(n):\n"
        "    raise ErroreDati(f\"l'utente {n} exists already: scegli un'altra 'narrazioni init'\")\n",
        encoding="utf-8")
    assert messaggi_inglesi(tmp_path, _classi_errore()) == [
        "archivio/m.py:5: ['user', 'exists', 'already'] 'user   exists already'",
        "archivio/m.py:9: ['exists', 'already'] \"l'utente   exists already: scegli un'altra 'narrazioni init'\""]


def test_i_messaggi_degli_errori_sono_in_italiano() -> None:
    classi = _classi_errore()
    assert {"ErroreDati", "ErroreUtente", "ErrorePipeline", "ErroreChiave"} <= classi.keys()
    inglesi = messaggi_inglesi(RADICE, classi)
    assert not inglesi, "messages of an ErroreNarrazioni in English (the rule in archivio/errori.py):\n" + \
        "\n".join(inglesi)
