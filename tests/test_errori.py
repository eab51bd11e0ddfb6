"""One error hierarchy: every error raised on purpose is an ErroreNarrazioni, and the CLI prints it as one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import analisi
import archivio
import narrazioni
import raccolta
from archivio.errori import ErroreNarrazioni

# control flow that never reaches a person (documented in archivio/errori.py)
FUORI = {"Interrotto", "_GiaFallito", "CorpoTroppoGrande",
         "ErroreDatiReali"}  # only developers see it (the real development set), so English


def _classi_eccezione() -> dict[str, type[BaseException]]:
    trovate: dict[str, type[BaseException]] = {}
    for pacchetto in (archivio, analisi, raccolta, narrazioni):
        for info in pkgutil.walk_packages(pacchetto.__path__, pacchetto.__name__ + "."):
            if ".migrazioni" in info.name or info.name.endswith("__main__"):
                continue
            modulo = importlib.import_module(info.name)
            for nome, oggetto in vars(modulo).items():
                if (inspect.isclass(oggetto) and issubclass(oggetto, BaseException)
                        and oggetto.__module__ == modulo.__name__):
                    trovate[f"{modulo.__name__}.{nome}"] = oggetto
    return trovate


def test_ogni_errore_del_progetto_deriva_da_errore_narrazioni() -> None:
    classi = _classi_eccezione()
    assert len(classi) >= 17
    fuori = {nome for nome, c in classi.items() if not issubclass(c, ErroreNarrazioni)}
    assert {n.rsplit(".", 1)[1] for n in fuori} <= FUORI, fuori


def test_i_nomi_degli_errori_sono_unici() -> None:
    per_nome: dict[str, set[type[BaseException]]] = {}
    for nome, c in _classi_eccezione().items():
        per_nome.setdefault(nome.rsplit(".", 1)[1], set()).add(c)
    assert {n: v for n, v in per_nome.items() if len(v) > 1} == {}


@pytest.mark.parametrize("classe", ["archivio.cifratura.ErroreChiave", "archivio.errori.PermessoNegato",
                                    "analisi.lingua.ModelloNonDisponibile"])
def test_la_cli_stampa_una_riga(classe: str, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from narrazioni import cli

    modulo, nome = classe.rsplit(".", 1)
    errore = getattr(importlib.import_module(modulo), nome)

    def fallisce(**_: object) -> None:
        raise errore("la chiave non apre i testi")

    monkeypatch.setattr(cli, "app", fallisce)
    with pytest.raises(SystemExit) as uscita:
        cli.main()
    assert uscita.value.code == 1
    assert capsys.readouterr().err.strip() == "errore: la chiave non apre i testi"


def test_un_solo_lettore_jsonl_per_i_contratti() -> None:
    from analisi.anonimizzazione import ErroreIngresso as anonimizza
    from analisi.codifica.lotto import ErroreIngresso as codifica
    from analisi.jsonl import ErroreRigaJsonl

    assert anonimizza is codifica is ErroreRigaJsonl
