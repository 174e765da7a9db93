"""Code words: issued to the accounts that have none, one per owner, with a printable PDF of letters."""

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from kabinet.accounts import codewords
from kabinet.extensions import db
from kabinet.imports import services as imports
from kabinet.models import Account
from kabinet.organizations import default_organization

SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "samples"


def test_generate_gives_each_owner_one_code_word_and_a_letter(app, tmp_path):
    with app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())
    output = tmp_path / "letters.pdf"
    result = app.test_cli_runner().invoke(args=["codewords", "generate", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Лицевых счетов: 2, писем: 2" in result.output  # 100101 and 100103 had theirs from the file

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(output.read_bytes())).pages]
    assert len(pages) == 2
    letter = next(text for text in pages if "100102" in text)
    assert "Петрова Анна Сергеевна" in letter and "Кодовое слово" in letter
    assert "г. Иркутск, ул. Ленина, д. 5, кв. 2" in letter
    printed = next(line for line in letter.splitlines() if len(line) == 9 and line[4] == "-")
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.number == "100102"))
        assert codewords.opens(account, printed)
        assert account.code_word_issued_at is not None

    again = app.test_cli_runner().invoke(args=["codewords", "generate", "--output", str(tmp_path / "x.pdf")])
    assert "уже имеют кодовые слова" in again.output


def test_generate_for_one_building(app, tmp_path):
    with app.app_context():
        imports.run("accounts", SAMPLES / "accounts.csv", default_organization())
    output = tmp_path / "letters.pdf"
    args = ["codewords", "generate", "--building", "г. Иркутск, ул. Карла Маркса, д. 12", "--output", str(output)]
    assert "Лицевых счетов: 1, писем: 1" in app.test_cli_runner().invoke(args=args).output
    assert "100201" in PdfReader(io.BytesIO(output.read_bytes())).pages[0].extract_text()


def test_the_demo_data_lets_a_newcomer_bind_by_the_readme_code_words(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "DEMO-2026" in result.output
    with app.app_context():
        accounts = db.session.scalars(select(Account).where(Account.number.startswith("1"))).all()  # the Russian УК's
        assert len(accounts) == 50
        assert len({a.building_id for a in accounts}) == 2
        first = next(a for a in accounts if a.number == "100001")
        assert codewords.opens(first, "DEMO-2026")
        assert len(first.organization.name) > 0 and first.organization.inn
