from datetime import date

import pytest

from jigsaw.linkage import parse_dob, parse_sex, prepare

from .conftest import records

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-04-03", date(2011, 4, 3)),
        ("2011/04/03", date(2011, 4, 3)),
        ("20110403", date(2011, 4, 3)),
        ("2011-04-03 00:00:00", date(2011, 4, 3)),
        ("03/04/2011", date(2011, 4, 3)),
        ("3/4/2011", date(2011, 4, 3)),
        ("03-04-2011", date(2011, 4, 3)),
        ("03.04.11", date(2011, 4, 3)),
        ("3 Apr 2011", date(2011, 4, 3)),
        ("03-APRIL-2011", date(2011, 4, 3)),
        ("40636", date(2011, 4, 3)),  # Excel serial (1900 system)
        ("40636.0", date(2011, 4, 3)),
        ("01/01/30", date(1930, 1, 1)),  # two-digit year in the future goes back a century
    ],
)
def test_dates_of_birth_in_agency_formats(text, expected):
    assert parse_dob(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2011", "not a real date"),
        ("32/01/2011", "not a real date"),
        ("12/25/2011", "US month-first"),
        ("2030-01-01", "future"),
        ("1850-01-01", "before 1900"),
        ("last spring", "not a date"),
        ("2011", "a year alone"),  # once read as the Excel serial for 1905-07-03
    ],
)
def test_bad_dates_of_birth_say_why(text, message):
    with pytest.raises(ValueError, match=message):
        parse_dob(text, today=TODAY)


def test_sex_codes():
    assert [
        parse_sex(v) for v in ["M", "male", "Boy", "1", "F", "2", "girl", "9", "U", "", None]
    ] == ["M", "M", "M", "M", "F", "F", "F", None, None, None, None]
    with pytest.raises(ValueError, match="not a sex code"):
        parse_sex("7")


def test_prepare_reports_bad_values_by_row_and_keeps_the_rows():
    frame = records(
        [
            {
                "record_id": "A1",
                "first_name": "Jess",
                "last_name": "Smith",
                "dob": "3/4/2011",
                "postcode": "LS6",
            },
            {
                "record_id": "A2",
                "first_name": "Jessica Ann",
                "last_name": "Smith-Khan",
                "dob": "2011-04-03",
                "postcode": "ls11 5xx; LS6 1AN",
                "nhs_number": "943 476 5919",
                "sex": "2",
            },
            {
                "record_id": "A3",
                "first_name": "JESS",
                "last_name": "SMITH",
                "nhs_number": "9434765918",
                "postcode": "LS6 1",
            },
            {"record_id": "", "first_name": "Nobody"},
            {"record_id": "A1", "first_name": "Repeat"},
            {
                "record_id": "A6",
                "first_name": "Amy",
                "dob": "31/02/2011",
                "sex": "q",
                "postcode": "ZZ",
            },
        ]
    )
    prepared = prepare(frame, source="records.csv")
    assert prepared.frame["unique_id"].tolist() == ["A1", "A2", "A3", "A6"]
    problems = {(p.row, p.field): p.reason for p in prepared.problems}
    assert set(problems) == {
        (4, "nhs_number"),
        (5, "record_id"),
        (6, "record_id"),
        (7, "dob"),
        (7, "sex"),
        (7, "postcode"),
    }
    assert "modulus-11" in problems[(4, "nhs_number")]
    one, two, three, six = prepared.frame.to_dict("records")
    assert one["forename_group"] == two["forename_group"] == "jessica"
    assert (two["forename"], two["middle_names"], two["surname_first"], two["surname_last"]) == (
        "jessica",
        "ann",
        "smith",
        "khan",
    )
    assert two["postcodes"] == ["LS11 5XX", "LS6 1AN"] and two["districts"] == ["LS11", "LS6"]
    assert one["postcodes"] is None and one["districts"] == ["LS6"]
    assert three["sectors"] == ["LS6 1"] and three["nhs_number"] is None
    assert two["nhs_number"] == "9434765919" and two["sex"] == "F"
    assert six["dob"] is None and six["sex"] is None and six["districts"] is None


def test_prepare_refuses_a_file_without_record_ids():
    with pytest.raises(ValueError, match="people.csv: no record_id column"):
        prepare(records([{"first_name": "Amy"}]).drop(columns="record_id"), source="people.csv")


def test_placeholder_nhs_numbers_pass_the_check_digit_but_are_not_used():
    from jigsaw.identifiers import is_valid_nhs_number, nhs_check_digit

    placeholders = [str(d) * 10 for d in range(10)]
    # Why the check digit alone is not enough: every placeholder passes it.
    assert all(nhs_check_digit(p[:9]) == int(p[9]) for p in placeholders)
    assert not any(is_valid_nhs_number(p) for p in placeholders)
    frame = records(
        [
            {"record_id": f"P{d}", "first_name": "Amy", "nhs_number": p}
            for d, p in enumerate(placeholders)
        ]
    )
    result = prepare(frame)
    assert result.frame["nhs_number"].isna().all()
    assert [(p.row, p.field) for p in result.problems] == [
        (row, "nhs_number") for row in range(2, 12)
    ]
    assert all("placeholder" in p.reason for p in result.problems)


def test_one_record_at_a_time_prepares_exactly_as_the_batch(world):
    """The web intake prepares one record, the batch a file: the same record gives the same row.

    A world sample with every kind of noise, plus the blanks a spreadsheet or a database hands
    over (NaN, pandas' NA, None, "N/A") in every field.
    """
    import pandas as pd

    from jigsaw.linkage import RECORD_COLUMNS, prepare_record

    sample = world.records.sample(2000, random_state=3).astype(object)
    odd = pd.DataFrame(
        [
            {
                "record_id": "X1",
                "agency": float("nan"),
                "first_name": pd.NA,
                "last_name": "N/A",
                "dob": float("nan"),
                "sex": pd.NA,
                "postcode": "nfa",
                "nhs_number": "unknown",
            },
            {
                "record_id": "X2",
                "agency": None,
                "first_name": " Amy ",
                "last_name": None,
                "dob": "31/02/2011",
                "sex": "Q",
                "postcode": "not a postcode",
                "nhs_number": "1111111111",
            },
            {
                "record_id": "X3",
                "agency": "police",
                "first_name": "NULL",
                "last_name": "O'Brien",
                "dob": date(2011, 4, 3),
                "sex": 2,
                "postcode": "LS6; LS6 1",
                "nhs_number": 9434765919,
            },
        ],
        columns=list(RECORD_COLUMNS),
    )
    frame = pd.concat([sample, odd], ignore_index=True)
    batch = prepare(frame)
    one_by_one = [prepare_record(r) for r in frame.to_dict("records")]
    assert batch.records() == [prepared for prepared, _ in one_by_one]
    expected = [f"{p.field}: {p.reason.removesuffix(': value not used')}" for p in batch.problems]
    assert expected == [message for _, messages in one_by_one for message in messages]
    assert len(batch.problems) > 20  # the sample's noise did reach the readers
    x1 = batch.records()[-3]
    assert (
        x1["agency"],
        x1["forename"],
        x1["surname"],
        x1["dob"],
        x1["sex"],
        x1["postcodes"],
        x1["nhs_number"],
    ) == (None,) * 7


@pytest.mark.parametrize(
    "field", ["agency", "first_name", "last_name", "dob", "sex", "postcode", "nhs_number"]
)
def test_every_blank_token_is_blank_in_every_field(field):
    from jigsaw.linkage import BLANK_TOKENS, RECORD_COLUMNS

    tokens = sorted(BLANK_TOKENS) + [" N/A ", "Unknown", "NULL"]
    result = prepare(records([{"record_id": f"r{i}", field: t} for i, t in enumerate(tokens)]))
    assert result.problems == ()
    assert len(result.frame) == len(tokens)
    assert field in RECORD_COLUMNS
    column = {"first_name": "forename", "last_name": "surname", "postcode": "postcodes"}.get(
        field, field
    )
    assert result.frame[column].isna().all()


def test_an_empty_file_and_a_file_of_blank_ids_prepare_to_the_full_set_of_columns():
    import pandas as pd

    from jigsaw.linkage import PREPARED_COLUMNS, RECORD_COLUMNS

    for frame in (pd.DataFrame(columns=list(RECORD_COLUMNS)), records([{"first_name": "Amy"}])):
        result = prepare(frame)
        assert list(result.frame.columns) == [PREPARED_COLUMNS[0], "row", *PREPARED_COLUMNS[1:]]
        assert result.frame.empty
