"""A tenant pays a receipt from their phone, which cannot scan its own screen: the QR code saved as a file for the
banking app, the requisites copied one by one into its form. In a real browser, for the JavaScript and the CSP."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import log_in
from tests.factories import REQUISITES, add_history, make_account
from tests.test_receipt_payment import FIELDS
from tests.test_receipts import decode_qr

pytestmark = pytest.mark.e2e


def test_on_a_phone_the_qr_code_is_saved_and_the_requisites_are_copied(
    page, live_server, screenshot, browser_problems, tmp_path
):
    app = live_server.app
    account = make_account(app, "100101", user_id=make_user(app))
    add_history(app, account, date(2026, 10, 1), 2)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/auth/login")
    log_in(page, "ivan", PASSWORD)
    page.goto(f"/receipts/{account}/2026-11")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Сохранить QR-код").click()
    saved = downloading.value
    assert saved.suggested_filename == "oplata-100101-2026-11.png"
    decoded = decode_qr(Path(saved.path()).read_bytes(), tmp_path)
    assert dict(pair.split("=", 1) for pair in decoded.split("|")[1:]) == FIELDS

    page.get_by_text("Реквизиты для оплаты в приложении банка").click()
    copy_bic = page.get_by_role("button", name="Скопировать БИК")
    expect(copy_bic).to_be_visible()  # receipt.js ran under the CSP and found the clipboard
    copy_bic.click()
    expect(page.locator("[data-copy-status]")).to_have_text(f"Скопировано: {REQUISITES['bic']}")
    assert page.evaluate("navigator.clipboard.readText()") == REQUISITES["bic"]
    page.get_by_role("button", name="Скопировать Назначение платежа").click()
    assert page.evaluate("navigator.clipboard.readText()") == FIELDS["Purpose"]
    screenshot(page, "requisites-copied")
    assert browser_problems == []
