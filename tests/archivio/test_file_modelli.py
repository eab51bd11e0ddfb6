"""A withdrawal deletes theme model files by the path the store recorded: only real model files go."""

from pathlib import Path

from archivio.temi import elimina_file_modello


def test_only_theme_model_files_are_deleted(tmp_path: Path) -> None:
    modelli = tmp_path / "modelli"
    modelli.mkdir()
    vero = modelli / "temi-abc.joblib"
    vero.write_bytes(b"x")
    altro = tmp_path / "importante.txt"
    altro.write_bytes(b"y")
    finto = modelli / "temi-link.joblib"
    finto.symlink_to(altro)
    assert elimina_file_modello(str(vero)) and not vero.exists()
    assert not elimina_file_modello(str(altro)) and altro.exists()
    assert not elimina_file_modello(finto) and altro.exists()
    assert not elimina_file_modello("/dev/null") and Path("/dev/null").is_char_device()
    assert not elimina_file_modello(str(modelli / "temi-assente.joblib"))
