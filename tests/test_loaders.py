"""Corpus file readers: every format, column matching, cleaning, and every kind of bad input."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from index.errors import ConfigError, CorpusError
from index.loaders import SUPPORTED_SUFFIXES, LoadResult, discover, load_file, parse_column_map
from index.loaders.cleaning import clean_text, normalize_sentiment, parse_bool
from index.loaders.dates import parse_date
from index.loaders.films import film_from_file_name
from index.records import Review, RowProblem, stable_review_id

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write `content` to folder/name, gzipped when the name ends in .gz."""
    data = content.encode() if isinstance(content, str) else content
    if name.endswith(".gz"):
        data = gzip.compress(data)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def problems(result: LoadResult) -> list[str]:
    return [str(problem) for problem in result.problems]


def at(path: Path, line: int, reason: str) -> str:
    return f"{path.resolve()}:{line}: {reason}"


def texts(result: LoadResult) -> list[tuple[int, str]]:
    return [(review.line, review.text) for review in result.reviews]


# --- .txt -------------------------------------------------------------------------------


def test_txt_film_from_first_line_comments_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path, "reviews.txt", "# film: Her (2013)\nQuietly dazzling.\n\n# a note\nOdd, sad.\n"
    )
    result = load_file(path)
    assert result.film_from == "first line"
    assert result.problems == []
    assert result.reviews == [
        Review(
            id=stable_review_id("Her (2013)", "", "", "Quietly dazzling."),
            film="Her (2013)",
            text="Quietly dazzling.",
            source=str(path.resolve()),
            line=2,
        ),
        Review(
            id=stable_review_id("Her (2013)", "", "", "Odd, sad."),
            film="Her (2013)",
            text="Odd, sad.",
            source=str(path.resolve()),
            line=5,
        ),
    ]


def test_txt_film_from_file_name(tmp_path: Path) -> None:
    result = load_file(write(tmp_path, "her-2013.txt", "Quietly dazzling.\n"))
    assert (result.film_from, result.reviews[0].film) == ("file name", "Her (2013)")


def test_txt_film_argument_wins_over_first_line(tmp_path: Path) -> None:
    path = write(tmp_path, "her-2013.txt", "# film: Her (2013)\nQuietly dazzling.\n")
    result = load_file(path, film="Lost in Translation (2003)")
    assert result.film_from == "--film"
    assert [(r.line, r.film) for r in result.reviews] == [(2, "Lost in Translation (2003)")]


@pytest.mark.parametrize(
    ("name", "film"),
    [
        ("her-2013.txt", "Her (2013)"),
        ("toy_story_3-2010.txt", "Toy Story 3 (2010)"),
        ("the-big-lebowski.txt", "The Big Lebowski"),
        ("WALL-E_2008.txt", "WALL E (2008)"),
    ],
)
def test_film_from_file_name(name: str, film: str) -> None:
    assert film_from_file_name(Path(name)) == film


def test_txt_repeated_line_and_bad_utf8_line_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "her-2013.txt", b"Good one.\nCaf\xe9 review.\nGood one.\nLast.\n")
    result = load_file(path)
    assert texts(result) == [(1, "Good one."), (4, "Last.")]
    assert problems(result) == [
        at(path, 2, "not valid UTF-8: re-save the file as UTF-8"),
        at(path, 3, "repeats line 1"),
    ]


# --- tables: every format gives the same reviews -----------------------------------------

ROWS: list[dict[str, str]] = [
    {
        "id": "r1",
        "film": "Her (2013)",
        "text": "A lovely film.",
        "critic": "Ann Lee",
        "publication": "The Paper",
        "date": "2013-12-18",
        "fresh": "fresh",
        "rating": "4/5",
        "top_critic": "true",
        "url": "https://example.com/1",
    },
    {
        "id": "",
        "film": "Her (2013)",
        "text": "Too long.",
        "critic": "Bo Chan",
        "publication": "Daily",
        "date": "",
        "fresh": "rotten",
        "rating": "",
        "top_critic": "no",
        "url": "",
    },
]


def table_text(kind: str, rows: list[dict[str, Any]]) -> str:
    """`rows` as CSV, JSON Lines or a JSON array."""
    if kind == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    if kind == ".jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    return json.dumps(rows, indent=2)


@pytest.mark.parametrize(
    ("suffix", "lines"),
    [
        (".csv", [2, 3]),
        (".csv.gz", [2, 3]),
        (".jsonl", [1, 2]),
        (".jsonl.gz", [1, 2]),
        (".json", [1, 2]),
        (".json.gz", [1, 2]),
    ],
)
def test_every_table_format_reads_the_same_reviews(
    tmp_path: Path, suffix: str, lines: list[int]
) -> None:
    path = write(tmp_path, "reviews" + suffix, table_text(suffix.removesuffix(".gz"), ROWS))
    result = load_file(path)
    source = str(path.resolve())
    assert result.problems == []
    assert (result.path, result.film_from, result.notes) == (path, None, [])
    assert result.reviews == [
        Review(
            id="r1",
            film="Her (2013)",
            text="A lovely film.",
            critic="Ann Lee",
            publication="The Paper",
            date="2013-12-18",
            sentiment="positive",
            rating="4/5",
            top_critic=True,
            url="https://example.com/1",
            source=source,
            line=lines[0],
        ),
        Review(
            id=stable_review_id("Her (2013)", "Bo Chan", "Daily", "Too long."),
            film="Her (2013)",
            text="Too long.",
            critic="Bo Chan",
            publication="Daily",
            sentiment="negative",
            source=source,
            line=lines[1],
        ),
    ]


def test_json_values_that_are_not_strings(tmp_path: Path) -> None:
    row = {"text": "Fine.", "film": "Up", "isTopCritic": True, "score": 4.5, "id": 7, "x": None}
    review = load_file(write(tmp_path, "r.json", json.dumps([row]))).reviews[0]
    assert (review.top_critic, review.rating, review.id) == (True, "4.5", "7")


def test_csv_record_line_is_where_a_multiline_record_starts(tmp_path: Path) -> None:
    content = 'text,film\r\n"Line one\r\nline two",Her\r\nSecond,Her\r\n\r\nThird,Her\r\n'
    path = write(tmp_path, "r.csv", content)
    result = load_file(path)
    assert texts(result) == [(2, "Line one\nline two"), (4, "Second"), (6, "Third")]


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    result = load_file(write(tmp_path, "r.csv", "\ufefftext,film\nFine.,Up\n"))
    assert [(r.film, r.text) for r in result.reviews] == [("Up", "Fine.")]


# --- columns ------------------------------------------------------------------------------


def test_columns_found_by_alias_in_any_case(tmp_path: Path) -> None:
    header = (
        "QUOTE,movieTitle,criticName,publicationName,creationDate,reviewState,"
        "originalScore,isTopCritic,reviewUrl,reviewId"
    )
    row = "Great.,Up,Ann Lee,The Paper,2009-05-29,fresh,A-,True,https://e.com/r,99"
    review = load_file(write(tmp_path, "r.csv", f"{header}\n{row}\n")).reviews[0]
    assert review == Review(
        id="99",
        film="Up",
        text="Great.",
        critic="Ann Lee",
        publication="The Paper",
        date="2009-05-29",
        sentiment="positive",
        rating="A-",
        top_critic=True,
        url="https://e.com/r",
        source=review.source,
        line=2,
    )


def test_first_alias_in_order_wins(tmp_path: Path) -> None:
    content = "body,quote,scoreSentiment,fresh,title,film\nB,Q,NEGATIVE,fresh,T,F\n"
    review = load_file(write(tmp_path, "r.csv", content)).reviews[0]
    assert (review.text, review.sentiment, review.film) == ("Q", "positive", "F")


def test_column_map_overrides_aliases(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,blurb,title,name\nignored,Real text,T,Film X\n")
    review = load_file(path, column_map={"text": "BLURB", "film": "name"}).reviews[0]
    assert (review.text, review.film) == ("Real text", "Film X")


def test_column_map_naming_a_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,title\nA,B\n")
    with pytest.raises(CorpusError) as err:
        load_file(path, column_map={"text": "quote"})
    assert str(err.value) == (
        f"{path}: no column 'quote' (from --map text=quote): found columns [text, title]; "
        "map text to one of these"
    )


def test_parse_column_map() -> None:
    assert parse_column_map("text=quote, film = title") == {"text": "quote", "film": "title"}
    assert parse_column_map(None) == {}
    assert parse_column_map("  ") == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "text",
            "--map expects FIELD=COLUMN pairs separated by commas, e.g. "
            "--map text=quote,film=title; got 'text' in 'text'",
        ),
        (
            "text=quote,=x",
            "--map expects FIELD=COLUMN pairs separated by commas, e.g. "
            "--map text=quote,film=title; got '=x' in 'text=quote,=x'",
        ),
        (
            "stars=score",
            "--map names an unknown field 'stars': the fields are text, film, critic, "
            "publication, date, sentiment, rating, top_critic, url, id, film_id",
        ),
        ("text=a,text=b", "--map maps 'text' twice: give each field one column"),
    ],
)
def test_parse_column_map_rejects_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_column_map(spec)
    assert str(err.value) == message


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "sentiment"),
    [
        ("fresh", "positive"),
        ("rotten", "negative"),
        ("none", "unknown"),
        ("True", "positive"),
        ("false", "negative"),
        ("POSITIVE", "positive"),
        ("NEGATIVE", "negative"),
        ("pos", "positive"),
        ("neg", "negative"),
        ("1", "positive"),
        ("0", "negative"),
        ("positive", "positive"),
        ("negative", "negative"),
        ("", "unknown"),
        ("meh", "unknown"),
    ],
)
def test_sentiment_normalization(value: str, sentiment: str) -> None:
    assert normalize_sentiment(value) == sentiment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("", False),
    ],
)
def test_top_critic_values(value: str, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize(
    "value",
    [
        "2013-12-18",
        "2013-12-18 00:00:00",
        "2013-12-18T10:00:00Z",
        "12/18/2013",
        "December 18, 2013",
        "Dec 18, 2013",
        "18 December 2013",
        " dec. 18 2013 ",
    ],
)
def test_date_formats(value: str) -> None:
    assert parse_date(value) == "2013-12-18"


@pytest.mark.parametrize("value", ["xyz", "2013-13-01", "18/12/2013", "Smarch 1, 2013"])
def test_dates_that_do_not_parse(value: str) -> None:
    assert parse_date(value) is None
    assert parse_date("") == ""


def test_html_noise_is_cleaned_other_markup_kept(tmp_path: Path) -> None:
    raw = "Great&nbsp;film &amp; fun.<br /><br />  Second\tpart <i>kept</i><BR>end &quot;x&quot;"
    path = write(tmp_path, "r.jsonl", json.dumps({"text": raw, "film": "Up &amp; Away"}) + "\n")
    review = load_file(path).reviews[0]
    assert review.text == 'Great film & fun.\n\nSecond part <i>kept</i>\nend "x"'
    assert review.film == "Up & Away"
    assert clean_text("a\n\n\n\nb  \r\n c") == "a\n\nb\nc"


# --- films --------------------------------------------------------------------------------

MOVIES = "movieId,movieTitle,movieYear\nm1,Toy Story 3,2010\nm2,Up,\n"
BY_ID = "quote,movieId\nFun.,m1\nSoaring.,m2\nWho?,m9\n"


@pytest.mark.parametrize("table", ["movies.csv", "movies.csv.gz"])
def test_film_titles_resolved_from_movies_csv(tmp_path: Path, table: str) -> None:
    write(tmp_path, table, MOVIES)
    result = load_file(write(tmp_path, "reviews.csv", BY_ID))
    assert [r.film for r in result.reviews] == ["Toy Story 3 (2010)", "Up", "m9"]
    assert result.notes == [f"titles resolved from {table}"]


def test_film_is_the_film_id_without_movies_csv(tmp_path: Path) -> None:
    result = load_file(write(tmp_path, "r.csv", "text,imdb_title_id\nFine.,tt0114709\n"))
    assert result.reviews[0].film == "tt0114709"
    assert result.notes == [
        "no film column: films are the 'imdb_title_id' values; put a movies.csv with "
        "'imdb_title_id' and title columns beside the file to show titles"
    ]


def test_film_argument_overrides_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,film\nA,One\nB,\n")
    result = load_file(path, film="Her (2013)")
    assert [r.film for r in result.reviews] == ["Her (2013)", "Her (2013)"]
    assert result.notes == ["--film 'Her (2013)' replaces the 'film' column"]


def test_row_without_film_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,film\nA,One\nB,\nC,Two\n")
    result = load_file(path)
    assert texts(result) == [(2, "A"), (4, "C")]
    assert problems(result) == [at(path, 3, "no film: add a film column or pass --film")]


# --- ids ----------------------------------------------------------------------------------


def test_ids_are_stable_and_the_id_column_is_used(tmp_path: Path) -> None:
    content = "id,text,film,critic\n,Fine.,Up,Ann\nx-7,Good.,Up,Bo\n"
    first = load_file(write(tmp_path, "a.csv", content)).reviews
    again = load_file(write(tmp_path / "other", "b.csv", "\n" + content)).reviews
    assert [r.id for r in first] == [stable_review_id("Up", "Ann", "", "Fine."), "x-7"]
    assert [r.id for r in again] == [r.id for r in first]


def test_an_id_column_reused_for_many_rows_is_not_an_id(tmp_path: Path) -> None:
    rows = "".join(f"{i % 20},Review number {i},Up\n" for i in range(40))
    path = write(tmp_path, "r.csv", "review_id,text,film\n" + rows)
    result = load_file(path)
    assert len(result.reviews) == 40
    assert result.reviews[0].id == stable_review_id("Up", "", "", "Review number 0")
    assert result.notes == [
        "the 'review_id' column is not a review id (many rows reuse an id for another row): "
        "ids are computed from film, critic, outlet and text instead; pass "
        "--map id=review_id to use it anyway"
    ]
    forced = load_file(path, column_map={"id": "review_id"})
    assert len(forced.reviews) == 20
    assert forced.problems[0] == RowProblem(
        str(path.resolve()), 22, "duplicate id 0 (first at line 2)"
    )


# --- bad rows: reported at their line, the rows around them kept -------------------------


def test_empty_text_bad_date_and_duplicates(tmp_path: Path) -> None:
    content = (
        "id,text,film,date\n"
        "r1,First,Her,2013-12-18\n"
        "r2,,Her,\n"
        "r3,Third,Her,xyz\n"
        "r1,Other text,Her,\n"
        "r4,Fourth,Her,\n"
        "r4,Fourth,Her,\n"
        "r5,Fifth,Her,\n"
    )
    path = write(tmp_path, "r.csv", content)
    result = load_file(path)
    assert texts(result) == [(2, "First"), (6, "Fourth"), (8, "Fifth")]
    assert problems(result) == [
        at(path, 3, "empty review text"),
        at(path, 4, "bad date 'xyz': use YYYY-MM-DD"),
        at(path, 5, "duplicate id r1 (first at line 2)"),
        at(path, 7, "repeats line 6"),
    ]


def test_csv_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,film\nA,Up\nB,Up,extra\nC\nD,Up\n")
    result = load_file(path)
    assert texts(result) == [(2, "A"), (5, "D")]
    assert problems(result) == [
        at(path, 3, "broken CSV row: 3 fields, header has 2 — check quoting"),
        at(path, 4, "broken CSV row: 1 fields, header has 2 — check quoting"),
    ]


def test_csv_stray_quote_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    content = 'id,text,film\na,"Unclosed, Her\nb,Fine,Her\nc,"Quoted, fine",Her\nd,Last,Her\n'
    path = write(tmp_path, "r.csv", content)
    result = load_file(path)
    assert texts(result) == [(3, "Fine"), (4, "Quoted, fine"), (5, "Last")]
    assert problems(result) == [
        at(
            path,
            2,
            'broken CSV row: a quote inside a quoted field is not doubled ("") — check quoting',
        )
    ]


def test_csv_module_error_is_a_row_problem(tmp_path: Path) -> None:
    huge = "x" * 200_000
    path = write(tmp_path, "r.csv", f'text,film\nA,Up\n"{huge}",Up\nC,Up\n')
    result = load_file(path)
    assert texts(result) == [(2, "A"), (4, "C")]
    assert problems(result) == [
        at(
            path,
            3,
            "broken CSV row (field larger than field limit (131072)) — check quoting",
        )
    ]


def test_bad_utf8_row(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv.gz", b"text,film\nGood,Up\nCaf\xe9,Up\nAlso good,Up\n")
    result = load_file(path)
    assert texts(result) == [(2, "Good"), (4, "Also good")]
    assert problems(result) == [at(path, 3, "not valid UTF-8: re-save the file as UTF-8")]


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    content = '{"text": "A", "film": "Up"}\n{"text": oops}\n\n[1, 2]\n{"text": "E", "film": "Up"}\n'
    path = write(tmp_path, "r.jsonl", content)
    result = load_file(path)
    assert texts(result) == [(1, "A"), (5, "E")]
    assert problems(result) == [
        at(path, 2, "not valid JSON (Expecting value at column 10)"),
        at(path, 4, "not a JSON object: found array; write {...}"),
    ]


def test_json_array_problems_name_the_element(tmp_path: Path) -> None:
    items = [{"text": "A", "film": "Up"}, "oops", {"text": "", "film": "Up"}]
    items.append({"text": "A", "film": "Up"})
    path = write(tmp_path, "r.json", json.dumps(items))
    result = load_file(path)
    assert texts(result) == [(1, "A")]
    assert problems(result) == [
        at(path, 2, "array element 2: not a JSON object: found string"),
        at(path, 3, "array element 3: empty review text"),
        at(path, 4, "array element 4: repeats element 1"),
    ]


# --- whole-file errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.csv", b"", "file is empty: add reviews to it or leave it out"),
        ("e.txt", b" \n\n", "file is empty: add reviews to it or leave it out"),
        ("e.csv.gz", b"", "file is empty: add reviews to it or leave it out"),
        ("e.json", b"[]", "file is empty: the JSON array holds no reviews"),
        (
            "b.csv",
            b"text\x00\x01\x02",
            "not a text file (it holds NUL bytes): save the reviews as UTF-8 text "
            "(.txt, .csv, .jsonl, .json, .csv.gz, .jsonl.gz, .json.gz)",
        ),
        (
            "h.csv",
            b"a,b,c\n1,2,3\n",
            "no review text column: found columns [a, b, c]; name one of "
            "text|quote|review|content|body or pass --map text=COLUMN",
        ),
        (
            "o.json",
            b'{"text": "A"}',
            "not a JSON array of objects (found object): write [{...}, {...}] or one "
            "object a line as .jsonl",
        ),
        ("s.json", b'["a", 1]', "not a JSON array of objects: no element is an object {...}"),
        (
            "n.jsonl",
            b"[1]\nnope\n",
            "no JSON object on any line: a .jsonl file holds one {...} object a line "
            "(a file holding one JSON array should be named .json)",
        ),
        (
            "r.xlsx",
            b"x",
            "unsupported file type: supported suffixes are .txt, .csv, .jsonl, .json, "
            ".csv.gz, .jsonl.gz, .json.gz; save the reviews in one of these formats",
        ),
    ],
)
def test_whole_file_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert str(err.value) == f"{path}: {message}"


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", '[\n{"text": "A"},\n{"text" "B"}\n]')
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert err.value.line == 3
    assert str(err.value) == (
        f"{path}:3: not valid JSON (Expecting ':' delimiter at column 9): fix it, or write "
        "one object a line as .jsonl"
    )


def test_gzip_that_does_not_decompress(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", b"text\nA\n").rename(tmp_path / "r.csv.gz")
    with pytest.raises(CorpusError, match=r"r\.csv\.gz: not a text file: the gzip data"):
        load_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError) as err:
        load_file(tmp_path / "gone.csv")
    assert str(err.value) == f"{tmp_path / 'gone.csv'}: no such file: check the path"


# --- discover -----------------------------------------------------------------------------


def test_discover_folders_recursively_sorted_skipping_hidden_and_lookup_tables(
    tmp_path: Path,
) -> None:
    for name in [
        "b/reviews.csv",
        "b/movies.csv",
        "a/her-2013.txt",
        "a/notes.md",
        "a/z.jsonl.gz",
        ".hidden/x.csv",
        "a/.y.json",
        "only/movies.csv",
    ]:
        write(tmp_path / "corpus", name, "text\nA\n")
    single = write(tmp_path / "elsewhere", "one.json", "[]")
    found = discover([tmp_path / "corpus", single, tmp_path / "corpus" / "b" / "reviews.csv"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "corpus/a/her-2013.txt",
        "corpus/a/z.jsonl.gz",
        "corpus/b/reviews.csv",
        "corpus/only/movies.csv",
        "elsewhere/one.json",
    ]
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".csv", ".jsonl", ".json"} | {
        ".csv.gz",
        ".jsonl.gz",
        ".json.gz",
    }


def test_discover_errors(tmp_path: Path) -> None:
    write(tmp_path, "docs/readme.md", "x")
    write(tmp_path, "data.xlsx", "x")
    with pytest.raises(CorpusError) as err:
        discover([tmp_path / "nope"])
    assert str(err.value) == f"{tmp_path / 'nope'}: no such file or folder: check the path"
    with pytest.raises(CorpusError) as err:
        discover([tmp_path / "docs"])
    assert str(err.value) == (
        f"{tmp_path / 'docs'}: no corpus files in this folder: supported suffixes are "
        ".txt, .csv, .jsonl, .json, .csv.gz, .jsonl.gz, .json.gz"
    )
    with pytest.raises(CorpusError, match="unsupported file type"):
        discover([tmp_path / "data.xlsx"])


# --- the shared real data -----------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.slow
def test_real_shared_data() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (see the project README)")

    cs109 = load_file(SHARED_DATA / "rt-critics-cs109" / "critics.csv")
    assert len(cs109.reviews) == 15_563
    assert Counter(p.reason for p in cs109.problems) == {"empty review text": 27_669 - 15_563}
    assert (cs109.reviews[0].film, cs109.reviews[0].line) == ("Toy Story", 3)

    pixar = load_file(SHARED_DATA / "rt-critics-pixar" / "critic_reviews.csv")
    assert len(pixar.reviews) == 7_582
    assert Counter(p.reason for p in pixar.problems) == {"empty review text": 32}
    assert pixar.notes == ["titles resolved from movies.csv"]
    films = {review.film for review in pixar.reviews}
    assert len(films) == 28
    assert {"Toy Story (1995)", "Toy Story 3 (2010)", "WALL-E (2008)"} <= films
    assert pixar.reviews[0].id == "1906042"

    imdb = load_file(SHARED_DATA / "imdb-50k" / "reviews.csv.gz")  # speed: bench/, not here
    assert len(imdb.reviews) == 49_909  # 50,000 less the repeats aclImdb itself holds
    kinds = Counter(p.reason.split(" ")[0] for p in imdb.problems)
    assert kinds == {"repeats": 87, "duplicate": 4}
    assert not any("<br" in review.text.lower() for review in imdb.reviews)
    assert imdb.reviews[0].film == "tt0406816"


# --- fields per row -----------------------------------------------------------------------


def test_each_row_takes_a_field_from_the_first_alias_it_has_a_value_in(tmp_path: Path) -> None:
    items = [
        {"review": "One.", "movie": "Up", "author": "Ann"},
        {"Content": "Two.", "title": "Up", "critic": "Bo"},
        {"review": "", "body": "Three.", "film": "Up"},
    ]
    path = write(tmp_path, "r.jsonl", "".join(json.dumps(item) + "\n" for item in items))
    result = load_file(path)
    assert [(r.text, r.film, r.critic) for r in result.reviews] == [
        ("One.", "Up", "Ann"),
        ("Two.", "Up", "Bo"),
        ("Three.", "Up", ""),
    ]
    assert result.problems == []
    assert result.notes == [
        "rows name the text in different columns: 'review' in 1 row, 'Content' in 1 row, "
        "'body' in 1 row",
        "rows name the film in different columns: 'movie' in 1 row, 'title' in 1 row, "
        "'film' in 1 row",
        "rows name the critic in different columns: 'author' in 1 row, 'critic' in 1 row",
    ]


def test_a_mapped_field_reads_only_its_column(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "text,blurb,film\nA,,Up\nB,Real,Up\n")
    result = load_file(path, column_map={"text": "blurb"})
    assert texts(result) == [(3, "Real")]
    assert problems(result) == [at(path, 2, "empty review text")]


def test_a_quote_inside_a_quoted_field_is_skipped_not_repaired(tmp_path: Path) -> None:
    content = 'id,text,film\na,Before,Up\nb,"Broken "quote" row",Up\nc,"Fine ""quoted""",Up\n'
    path = write(tmp_path, "r.csv", content + "d,After,Up\n")
    result = load_file(path)
    assert texts(result) == [(2, "Before"), (4, 'Fine "quoted"'), (5, "After")]
    assert problems(result) == [
        at(
            path,
            3,
            'broken CSV row: a quote inside a quoted field is not doubled ("") — check quoting',
        )
    ]
    assert result.problems[0].raw == 'b,"Broken "quote" row",Up'
