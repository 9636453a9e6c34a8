"""Brazilian number, money, percentage, date and CNPJ formats, and the rewriting of English-formatted
numbers in detectors' sentences (reporting/br.py)."""

from __future__ import annotations

from datetime import date

import pytest

from reporting import br


def test_numbers_money_percent_times_and_dates() -> None:
    assert br.number(1234567.891) == "1.234.567,89" and br.integer(12345) == "12.345"
    assert br.money(214168.61) == "R$ 214.168,61" and br.money(-1) == "-R$ 1,00"
    assert br.percent(0.093) == "9,3 %" and br.times(4.7612) == "4,76 vezes"
    assert br.day("2026-12-02") == "02/12/2026" and br.day(date(2025, 3, 1)) == "01/03/2025"
    assert br.number(None) == br.money(float("nan")) == br.percent(None) == br.day(None) == "—"
    assert br.cnpj("12345678000190") == "12.345.678/0001-90" and br.cnpj("***123456**") == "***123456**"


@pytest.mark.parametrize(("english", "brazilian"), [
    ("Dispensa por valor de R$ 214,168.61 acima do limite de R$ 62,725.59 do art. 75 em 2025.",
     "Dispensa por valor de R$ 214.168,61 acima do limite de R$ 62.725,59 do art. 75 em 2025."),
    ("vencedor isolado (DIFFP mediano 9.3%), CV mediano 0.042; índice 2.96 acima do limite 1.78.",
     "vencedor isolado (DIFFP mediano 9,3 %), CV mediano 0,042; índice 2,96 acima do limite 1,78."),
    ("Preço unitário homologado 4.76 vezes a mediana.", "Preço unitário homologado 4,76 vezes a mediana."),
    ("venceu 100% delas", "venceu 100 % delas"),
    ("Contratos de R$ 200,000.00 para capital social de R$ 1,000.00 (200 vezes).",
     "Contratos de R$ 200.000,00 para capital social de R$ 1.000,00 (200 vezes)."),
    ("R$ 1000.5 e R$ 7", "R$ 1.000,5 e R$ 7,00"),
    # identifiers with dots, slashes or dashes stay as they are
    ("CNPJ 12.345.678/0001-90, licitação 00001001000100-1-000001/2025, art. 75, versão 1.0.0, em 2025-03-01",
     "CNPJ 12.345.678/0001-90, licitação 00001001000100-1-000001/2025, art. 75, versão 1.0.0, em 2025-03-01"),
])
def test_localize_rewrites_english_numbers_once(english: str, brazilian: str) -> None:
    assert br.localize(english) == brazilian
    assert br.localize(brazilian) == brazilian  # idempotent
