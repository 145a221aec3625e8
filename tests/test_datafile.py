"""symsaddle.datafile: the data files a user names, read or refused with the problem named."""

import io
import zipfile

import numpy as np
import pytest

from symsaddle.datafile import DataFileError, load_xy


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def junk_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("X.npy", b"junk")
        z.writestr("y.npy", b"more junk")
    return buf.getvalue()


@pytest.mark.parametrize("name, content, words", [
    ("d.npz", npz_bytes(X=np.array([["a", "b"]]), y=np.ones(1)), "holds text"),
    ("d.npz", npz_bytes(X=np.ones((2, 2)) + 1j, y=np.ones(2)), "is complex"),
    ("d.npz", npz_bytes(X=np.array([[1, 2]], dtype=object), y=np.ones(1)), "pickled"),
    ("d.npz", npz_bytes(X=np.ones((3, 2))), "missing ['y']"),
    ("d.npz", npz_bytes(X=np.ones(3), y=np.ones(3)), "X[:, None]"),
    ("d.npz", npz_bytes(X=np.ones((3, 2)), y=np.ones(4)), "mismatched lengths"),
    ("d.npz", npz_bytes(X=np.array([[1.0, 2.0], [3.0, np.inf]]), y=np.ones(2)),
     "X contains NaN or inf (first at row 1, column 1, counted from 0)"),
    ("d.npz", npz_bytes(X=np.ones((3, 1)), y=np.array([1.0, 2.0, np.nan])),
     "y contains NaN or inf (first at entry 2, counted from 0)"),
    ("d.npz", npz_bytes(X=np.ones((0, 2)), y=np.ones(0)), "empty"),
    ("d.npz", npz_bytes(X=np.ones((3, 2)), y=np.ones(3))[:60], "not an .npz archive"),
    ("d.npz", junk_zip(), "not a NumPy array inside the archive"),
    ("d.npy", b"\x93NUMPY", "holds one array"),
    ("d.txt", b"1,2,3", "unsupported file type"),
    ("d.csv", b"x1,x2,y\n1,2\n", "has 2 columns, the header 3"),
    ("d.csv", b"1,2\n3,4,5\n", "has 3 columns, the first row 2"),
    ("d.csv", b"1\n2\n", "at least two columns"),
    ("d.csv", b"x1,y\n1,2\n3,abc\n", "line 3, column 2 (both counted from 1, as editors show them) is not a number ('abc')"),
    # a first row with a number is a data row, not a header:
    ("d.csv", b"0.5,1.5,NA\n4,5,6\n", "line 1, column 3 (both counted from 1, as editors show them) is not a number ('NA')"),
    # numbers separated by ';' or tabs: the first row is a data row in the wrong format, not a header
    ("d.csv", b"1;2;3\n4;5;6\n", "line 1, column 1 (both counted from 1, as editors show them) is not a number ('1;2;3'); "
                                 "fields are separated by commas"),
    ("d.csv", b"1\t2\n4\t5\n", "line 1, column 1 (both counted from 1, as editors show them) is not a number ('1\\t2'); "
                                 "fields are separated by commas"),
    ("d.csv", b"x1,y\n", "no data rows (line 1 was read as a header of column names); a .csv needs"),
    # numbers separated by spaces: line 1 has no comma-separated number, so it is read as a header; said so
    ("d.csv", b"1 2 3\n4 5 6\n", "line 2, column 1 (both counted from 1, as editors show them) is not a number ('4 5 6'); "
                                "line 1 ('1 2 3') was read as a header of column names, having no comma-separated "
                                "number; the file seems to be space-separated, not comma-separated; a .csv needs"),
    ("d.csv", b"  1.5   -2  \n", "no data rows (line 1 was read as a header of column names); the file seems to "
                                  "be space-separated, not comma-separated; a .csv needs"),
    ("d.csv", b"x1,y\n3 4\n", "line 2, column 1 (both counted from 1, as editors show them) is not a number ('3 4'); line 1 "
                              "('x1,y') was read as a header"),
    ("d.csv", b"\xff\xfe\x00", "not a text file"),
    # Latin-1 text (é is the single byte 0xE9, not UTF-8): the byte, its line and its column (in characters)
    ("d.csv", b"x\xe9,x1,y\n1,2,3\n", "d.csv: not UTF-8 (byte 0xe9 on line 1, column 2 (both counted from 1, as "
                                      "editors show them); Latin-1 or Windows-1252 text?); save it as UTF-8"),
    ("d.csv", "x\u00e9,y\n1,2\n".encode() + b"\xe93,4\n", "not UTF-8 (byte 0xe9 on line 3, column 1 "),
    ("d.csv", "\ufeffx\u00e9,y\n\u00e9,".encode() + b"\xe9", "not UTF-8 (byte 0xe9 on line 2, column 3 "),
    # an empty field is a missing value, not a malformed number
    ("d.csv", b"x1,x2,y\n1,,3\n", "line 2, column 2 (both counted from 1, as editors show them) is empty (a missing "
                                   "value); fill it in, or remove that sample"),
    ("d.csv", b"1,2,3\n4,5, \n", "line 2, column 3 (both counted from 1, as editors show them) is empty"),
    # a NaN in a .csv is named by its line and column as an editor shows them (header line included)
    ("d.csv", b"1,2\n3,nan\n", "line 2, column 2 (both counted from 1, as editors show them) is NaN or inf ('nan')"),
    ("d.csv", b"x1,x2,y\n1,2,3\n4,inf,6\n", "line 3, column 2 (both counted from 1, as editors show them) is NaN "
                                             "or inf ('inf')"),
])
def test_bad_files_are_refused_with_the_problem_named(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFileError) as info:
        load_xy(path)
    assert words in str(info.value)


def test_folders_and_missing_files(tmp_path):
    with pytest.raises(DataFileError, match="is a folder"):
        load_xy(tmp_path)
    with pytest.raises(DataFileError, match="does not exist"):
        load_xy(tmp_path / "none.npz")


def test_npz_and_csv_give_the_same_data(tmp_path):
    X = np.array([[1.0, -2.5], [0.5, 3.0], [2.0, 0.0]])
    y = np.array([1.0, 2.0, -1.0])
    np.savez(tmp_path / "d.npz", X=X, y=y[:, None])
    (tmp_path / "d.csv").write_text("x1,x2,y\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y)) + "\n")
    for path in (tmp_path / "d.npz", tmp_path / "d.csv"):
        Xr, yr = load_xy(path)
        np.testing.assert_array_equal(Xr, X)
        np.testing.assert_array_equal(yr, y)


def test_csv_with_a_byte_order_mark_and_a_header(tmp_path):
    """Excel's "CSV UTF-8" starts with the byte-order mark EF BB BF: read as the same numbers, with or without
    a header line (skipped when none of its fields is a number, as README says)."""
    X = np.array([[1.0, -2.5], [0.5, 3.0]])
    y = np.array([1.0, 2.0])
    body = "1,-2.5,1\n0.5,3,2\n"
    for name, text in (("bom.csv", body), ("bom_header.csv", "x1,x2,y\r\n" + body.replace("\n", "\r\n"))):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
        Xr, yr = load_xy(tmp_path / name)
        np.testing.assert_array_equal(Xr, X)
        np.testing.assert_array_equal(yr, y)


@pytest.mark.parametrize("text", [
    '"1","0","1"\n"0.5","3","2"\n',                                     # every field quoted
    '"x1","x2","y"\n"1","0","1"\n0.5, "3", 2\n',                       # quoted header, mixed quoting
    '"","x1","x2","y"\n"1",1,0,1\n"2",0.5,3,2\n',                      # R write.csv: row names, "" header field
    ',x1,x2,y\na,1,0,1\nb,0.5,3,2\n',                                  # pandas to_csv: index column
])
def test_csv_with_standard_quoting_and_row_names(tmp_path, text):
    """Quoted fields follow the standard CSV rules; a header whose first field is empty (R's write.csv,
    pandas' to_csv) marks a column of row names, which is not a feature."""
    (tmp_path / "q.csv").write_text(text)
    Xr, yr = load_xy(tmp_path / "q.csv")
    np.testing.assert_array_equal(Xr, [[1.0, 0.0], [0.5, 3.0]])
    np.testing.assert_array_equal(yr, [1.0, 2.0])


def test_csv_quoted_text_is_still_refused(tmp_path):
    (tmp_path / "t.csv").write_text('"1","0","1"\n"1","zero","1"\n')
    with pytest.raises(DataFileError, match=r"line 2, column 2 \(both counted from 1, as editors show them\) is not "
                                            r"a number \('zero'\)"):
        load_xy(tmp_path / "t.csv")


def test_csv_positions_count_the_row_name_column(tmp_path):
    """With a column of row names, the position of a bad field is still the one an editor shows."""
    (tmp_path / "r.csv").write_text('"","x1","x2","y"\n"1",1,0,1\n"2",0.5,zero,2\n"3",1,inf,2\n')
    with pytest.raises(DataFileError, match=r"line 3, column 3 \(both counted from 1"):
        load_xy(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text('"","x1","x2","y"\n"1",1,0,1\n"3",1,inf,2\n')
    with pytest.raises(DataFileError, match=r"line 3, column 3 \(both counted from 1"):
        load_xy(tmp_path / "r.csv")
