import pytest

from onevoice.exports import safe_row, spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1+cmd", "'+1+cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-cmd", "'-cmd"),
        ("\tx", "'\tx"),
        ("-3.5", "-3.5"),
        ("+3", "+3"),
        ("-1e3", "-1e3"),
        # A number followed by more is a formula: "-1+cmd|..." ran as DDE in Excel.
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("-2.5*A1", "'-2.5*A1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("\rx", "'\rx"),
        (-3.5, -3.5),
        ("-.5", "-.5"),
        ("Oak Vets", "Oak Vets"),
        (12, 12),
        (None, None),
    ],
)
def test_text_a_spreadsheet_would_evaluate_is_made_plain_text(value, expected):
    assert spreadsheet_safe(value) == expected


def test_safe_row_keeps_order():
    assert safe_row(["a", "=b", 3]) == ["a", "'=b", 3]
