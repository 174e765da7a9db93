"""The requisites' checks (kabinet/requisites.py) on real numbers, and on the same numbers broken as a typo would."""

import pytest

from kabinet import requisites
from kabinet.requisites import Invalid
from tests.factories import REQUISITES

# Published requisites of real organizations and banks.
SBERBANK = {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "bic": "044525225",
            "correspondent_account": "30101810400000000225"}  # fmt: skip


def refused(check, *arguments) -> str:
    with pytest.raises(Invalid) as caught:
        check(*arguments)
    return str(caught.value.message)


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "7736050003", "500100732259", REQUISITES["inn"]])
def test_real_inns_pass(inn):
    requisites.check_inn(inn)


@pytest.mark.parametrize(
    ("inn", "says"),
    [
        ("7707083894", "контрольная цифра"),  # the last digit mistyped
        ("7707038893", "контрольная цифра"),  # two digits swapped
        ("500100732258", "контрольная цифра"),  # an entrepreneur's, the 12th digit wrong
        ("500100732249", "контрольная цифра"),  # the 11th wrong
        ("770708389", "10 цифр"),
        ("77070838931", "10 цифр"),
        ("77070838 3", "10 цифр"),
        ("７７０７０８３８９３", "10 цифр"),  # full-width digits look right and are not
        ("", "10 цифр"),
    ],
)
def test_broken_inns_are_refused_with_the_reason(inn, says):
    assert says in refused(requisites.check_inn, inn)


@pytest.mark.parametrize("kpp", ["773601001", REQUISITES["kpp"], "7736AB001"])
def test_real_kpps_pass(kpp):
    requisites.check_kpp(kpp)


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "A73601001", "7736ab001", "773601O01", "7736БВ001"])
def test_broken_kpps_are_refused(kpp):
    assert "9 символов" in refused(requisites.check_kpp, kpp)


@pytest.mark.parametrize("ogrn", ["1027700132195", "1027700229193", "1027700070518", "304500116000157"])
def test_real_ogrns_and_ogrnips_pass(ogrn):
    requisites.check_ogrn(ogrn)


@pytest.mark.parametrize(
    ("ogrn", "says"),
    [
        ("1027700132194", "контрольная цифра"),
        ("1027700123195", "контрольная цифра"),
        ("304500116000158", "контрольная цифра"),
        ("102770013219", "13 цифр"),
        ("30450011600015", "13 цифр"),
        ("1027700132195x", "13 цифр"),
    ],
)
def test_broken_ogrns_are_refused_with_the_reason(ogrn, says):
    assert says in refused(requisites.check_ogrn, ogrn)


@pytest.mark.parametrize("bic", ["04452522", "0445252251", "04452522S", ""])
def test_a_bic_is_nine_digits(bic):
    assert "9 цифр" in refused(requisites.check_bic, bic)


@pytest.mark.parametrize(
    ("account", "bic"),
    [
        (SBERBANK["correspondent_account"], SBERBANK["bic"]),
        ("30101810700000000187", "044525187"),  # ВТБ
        ("30101810145250000974", "044525974"),  # Т-Банк
        (REQUISITES["correspondent_account"], REQUISITES["bic"]),
    ],
)
def test_real_correspondent_accounts_fit_their_bic(account, bic):
    requisites.check_correspondent_account(account, bic)


@pytest.mark.parametrize(
    ("account", "bic"),
    [("40702810038000017240", SBERBANK["bic"]), (REQUISITES["settlement_account"], REQUISITES["bic"])],
)
def test_real_settlement_accounts_fit_their_bic(account, bic):
    requisites.check_settlement_account(account, bic)


@pytest.mark.parametrize(
    ("account", "bic", "says"),
    [
        ("40702810038000017241", SBERBANK["bic"], "не сходится с БИК"),  # the last digit mistyped
        ("40702810038000071240", SBERBANK["bic"], "не сходится с БИК"),  # two digits swapped
        ("40702810038000017240", "044525187", "не сходится с БИК"),  # right account, another bank's БИК
        ("4070281003800001724", SBERBANK["bic"], "20 цифр"),
        ("407028100380000172400", SBERBANK["bic"], "20 цифр"),
        ("40702810038000017240", "", "верный БИК"),
        ("40702810038000017240", "0445252", "верный БИК"),
    ],
)
def test_broken_settlement_accounts_are_refused_with_the_reason(account, bic, says):
    assert says in refused(requisites.check_settlement_account, account, bic)


@pytest.mark.parametrize(
    ("account", "bic", "says"),
    [
        ("30101810400000000226", SBERBANK["bic"], "не сходится с БИК"),
        ("30101810400000000225", "044525187", "не сходится с БИК"),
        # A settlement account typed where the correspondent one goes: it fits the БИК's last digits, not this key.
        ("40702810038000017240", SBERBANK["bic"], "не сходится с БИК"),
        ("3010181040000000022", SBERBANK["bic"], "20 цифр"),
        ("30101810400000000225", "", "верный БИК"),
    ],
)
def test_broken_correspondent_accounts_are_refused_with_the_reason(account, bic, says):
    assert says in refused(requisites.check_correspondent_account, account, bic)
