"""The CSV export's cells: what a spreadsheet would run as a formula is quoted."""

from datetime import date

from notify.backoffice.search import Found, csv_row


def test_a_cell_a_spreadsheet_would_run_is_quoted():
    row = Found("=HYPERLINK(1)", date(2026, 11, 20), "withdrawal", "online", "notified",
                None, None, 1, "900000000001", "@SUM", "-Alex")
    cells = csv_row(row)
    assert cells[0] == "'=HYPERLINK(1)" and cells[8] == "'@SUM" and cells[9] == "'-Alex"
    assert cells[1] == "2026-11-20" and cells[5] == ""
