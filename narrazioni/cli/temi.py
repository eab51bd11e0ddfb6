"""Themes: of a file, or refit over the stored stories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import ErroreUtenteCli, _apri, _file_ingresso, _impostazioni, app, console


@app.command()
def temi(
    ingresso: Annotated[str, typer.Argument(help="IN.jsonl (id, text, associazione?, data?), or 'rifai'.")],
    cartella: Annotated[Path | None, typer.Argument(help="OUT_DIR: assegnazioni.jsonl and temi.json.")] = None,
    k: Annotated[str, typer.Option(help="Number of themes, or 'auto'.")] = "auto",
    seed: Annotated[int | None, typer.Option(help="Random seed (same input and seed, same themes).")] = None,
) -> None:
    """Themes of a file: `temi IN.jsonl OUT_DIR`, or refit the stored stories' themes: `temi rifai`."""
    if k != "auto" and not (k.isdigit() and int(k) >= 2):
        raise ErroreUtenteCli("--k deve essere 'auto' o un numero ≥ 2")
    numero = None if k == "auto" else int(k)
    imp = _impostazioni()
    if ingresso == "rifai":
        from analisi.stadi.temi import rifai_temi

        salvato = rifai_temi(_apri(imp), imp, k=numero, seme=seed, autore="cli")
        console.print(f"themes refitted: {salvato}", markup=False)
        return
    from analisi.temi import esegui_temi

    if cartella is None:
        raise ErroreUtenteCli("uso: narrazioni temi IN.jsonl OUT_DIR [--k N|auto] [--seed S]")
    risultato = esegui_temi(_file_ingresso(ingresso), cartella, k=numero or "auto",
                            seed=imp.temi.seme if seed is None else seed, algoritmo=imp.temi.algoritmo)
    console.print(f"{len(risultato.get('temi', []))} themes → {cartella}/temi.json, {cartella}/assegnazioni.jsonl",
                  markup=False)
