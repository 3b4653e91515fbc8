"""revlib installed as a user installs it: the example books and the Voila template come with the package."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_books_in_the_package_are_the_data_folders():
    packaged = {p.name: p.read_bytes() for p in (ROOT / "revlib" / "data").glob("*.csv")}
    readers = {p.name: p.read_bytes() for p in (ROOT / "data").glob("*.csv")}
    assert packaged, "revlib/data/ has no example book"
    assert sorted(packaged) == sorted(readers), "data/ and revlib/data/ hold different files"
    changed = [name for name in packaged if packaged[name] != readers[name]]
    assert not changed, f"data/ and revlib/data/ differ in {changed}: copy data/ over revlib/data/"
