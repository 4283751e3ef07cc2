from jigsaw.identifiers import is_valid_nhs_number, nhs_check_digit, normalise_postcode


def test_nhs_check_digit_rejects_remainder_ten():
    # 1+... chosen so that 11 - sum % 11 == 10: such numbers are never issued.
    digits = next(
        f"{n:09d}" for n in range(100000000, 100001000) if nhs_check_digit(f"{n:09d}") is None
    )
    assert not any(is_valid_nhs_number(digits + str(d)) for d in range(10))


def test_valid_nhs_numbers_have_exactly_one_check_digit():
    for n in range(400000000, 400000200):
        first = f"{n:09d}"
        valid = [d for d in range(10) if is_valid_nhs_number(first + str(d))]
        assert len(valid) <= 1


def test_postcode_shapes():
    for raw, want in [
        ("m1 1ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("DN551PT", "DN55 1PT"),
        ("W1A 1HQ", "W1A 1HQ"),
        ("EC1A1BB", "EC1A 1BB"),
    ]:
        assert normalise_postcode(raw) == want
    assert normalise_postcode("LS6 1CI") is None  # C and I never appear in the inward code


def test_placeholder_nhs_numbers_are_refused_though_their_check_digit_is_right():
    """0000000000 ... 9999999999 all pass modulus 11; systems write them for "not known"."""
    from jigsaw.identifiers import nhs_number_problem

    for digit in range(10):
        placeholder = str(digit) * 10
        assert nhs_check_digit(placeholder[:9]) == digit
        assert not is_valid_nhs_number(placeholder)
        assert (
            nhs_number_problem(placeholder)
            == "one digit repeated: a placeholder, not a real NHS number"
        )
    assert nhs_number_problem("943 476 5919") is None
    assert nhs_number_problem("943476591") == "not ten digits"
    assert nhs_number_problem("9434765918") == "fails the NHS number modulus-11 check"
    assert nhs_number_problem(" N/A ") == "blank"
