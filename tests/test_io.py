"""Readers of tables and YAML: encodings, truncation, safe YAML."""

from __future__ import annotations

import pandas as pd
import pytest

from zzforecast.data.digests import file_digest
from zzforecast.data.strict_yaml import read_yaml
from zzforecast.data.tables import read_table
from zzforecast.data.writing import write_csv_atomic
from zzforecast.exceptions import DataError, ParamsError, UserError

TEXT = "cluster_id,name_zh\nzz_a,郑州航空港产业集聚区\nzz_b,中牟汽车产业集聚区\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_read_table_decodes_common_encodings(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode(encoding))
    frame = read_table(path)
    assert list(frame.columns) == ["cluster_id", "name_zh"]
    assert frame["name_zh"].tolist() == ["郑州航空港产业集聚区", "中牟汽车产业集聚区"]
    assert frame.index.tolist() == [2, 3]


def test_read_table_keeps_row_numbers_across_blank_lines_and_multiline_fields(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"x\ny"\n\n2,z\n', encoding="utf-8")
    frame = read_table(path)
    assert frame.index.tolist() == [3, 5]
    assert frame["b"].tolist() == ["x\ny", "z"]


def test_read_table_keeps_text_as_written(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n007,\n", encoding="utf-8")
    frame = read_table(path)
    assert frame.loc[2, "a"] == "007"
    assert frame.loc[2, "b"] == ""


@pytest.mark.parametrize(
    ("content", "needle", "row"),
    [
        (b"", "empty", None),
        (b"\n\n  \n", "empty", None),
        (b"a,b\n1,2\n3", "truncated", 3),
        (b'a,b\n1,"2\n3,4', "never closed", 3),
        (b"a,b\n1,2,3\n", "3 fields but the header has 2", 2),
        (b"a,a\n1,2\n", "twice", 1),
        ("a,b\n\u00e9,1\n".encode("latin-1"), "cannot decode byte 0xe9", 2),
        ("a,b\n1,2\n".encode("utf-16"), "UTF-16", None),
    ],
)
def test_read_table_rejects_broken_csv(tmp_path, content, needle, row):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_table(path)
    problem = info.value.problems[0]
    assert needle in problem.message
    assert problem.file == str(path)
    assert problem.row == row


def test_read_table_parquet_round_trip_and_truncation(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]}).to_parquet(path)
    frame = read_table(path)
    assert frame["a"].tolist() == [1.5, 2.5]
    assert frame.index.tolist() == [2, 3]
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match="not a complete Parquet"):
        read_table(cut)


def test_read_table_missing_file_and_excel_hint(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="--ledger"):
        read_table(tmp_path / "x.xlsx")


@pytest.mark.parametrize(
    ("content", "needle", "row"),
    [
        ("a: !!python/object/apply:os.system ['echo hi']\n", "!!python/object/apply", 1),
        ("a: 1\nb: !custom 3\n", "'!custom'", 2),
        ("a: 1\nb: [1,\n", "invalid YAML", 3),
        ("a: 1\nb:\n  c: 1\n  c: 2\n", "duplicate key 'c'", 4),
        ("", "empty", None),
        ("a: 1\n---\nb: 2\n", "more than one", None),
    ],
)
def test_read_yaml_rejects_tags_and_broken_yaml(tmp_path, content, needle, row):
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ParamsError) as info:
        read_yaml(path)
    problem = info.value.problems[0]
    assert needle in problem.message
    assert problem.row == row
    assert problem.file == str(path)


def test_read_yaml_reads_chinese_in_utf8_and_gbk(tmp_path):
    for encoding in ("utf-8", "gbk"):
        path = tmp_path / f"{encoding}.yaml"
        path.write_bytes("quote: 同比增长13%左右\nvalue: 0.13\n".encode(encoding))
        assert read_yaml(path) == {"quote": "同比增长13%左右", "value": 0.13}


def test_write_csv_atomic_refuses_overwrite(tmp_path):
    path = tmp_path / "o.csv"
    frame = pd.DataFrame({"a": [1], "b": ["集聚区"]})
    write_csv_atomic(frame, path)
    assert read_table(path).loc[2, "b"] == "集聚区"
    with pytest.raises(UserError, match="--force"):
        write_csv_atomic(frame, path)
    write_csv_atomic(frame.assign(a=2), path, force=True)
    assert read_table(path).loc[2, "a"] == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]


def test_file_digest_changes_with_content(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x\n1\n")
    d1 = file_digest([a], root=tmp_path)
    a.write_text("x\n2\n")
    assert file_digest([a], root=tmp_path) != d1
    assert len(d1) == 64


def test_excel_style_csv_with_crlf_bom_and_stray_empty_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b,,\r\n1,郑州,,\r\n2,\"x, y\",,\r\n".encode("utf-8-sig"))
    frame = read_table(path)
    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == ["郑州", "x, y"]
    assert frame.index.tolist() == [2, 3]
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n")  # the fast path
    assert read_table(path)["b"].tolist() == ["2", "4"]


def test_data_in_a_column_without_header_is_an_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="3 fields but the header has 2"):
        read_table(path)


def test_damaged_utf8_is_not_read_as_gbk_mojibake(tmp_path):
    path = tmp_path / "t.csv"
    rows = "".join(f"zz_{i},郑州航空港产业集聚区第{i}园区\n" for i in range(20))
    data = bytearray(("cluster_id,name_zh\n" + rows).encode("utf-8"))
    position = data.index("第5".encode())
    data[position] = 0xFF  # one damaged byte on row 7
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as info:
        read_table(path)
    problem = info.value.problems[0]
    assert problem.row == 7
    assert "otherwise UTF-8" in problem.message
