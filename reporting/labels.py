"""What each evidence measure means, in the auditor's words: every measure or threshold key a detector puts
in its findings -> a Portuguese label, a sentence that says what the number means, and how to write it
(money, ratio, percentage, count, days...). Alert emails and case pages read measures through `describe`.

A key that is not here has no label: tests/unit/reporting/test_labels.py collects every key the detectors
emit (their fixtures' findings and their source) and fails on a new one until it is labelled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from reporting import br

Kind = Literal["money", "ratio", "percent", "count", "days", "business_days", "number", "decimal", "index01",
               "date", "year", "text"]


@dataclass(frozen=True)
class Label:
    rotulo: str  # short Portuguese label
    frase: str  # one sentence: what the number means and why it is compared
    kind: Kind  # how the value (and its threshold) is written
    limiar: str | None = None  # how the threshold reads ("{t}" = the formatted threshold), when the
    # comparison the detector stored is not a plain operator or would read wrong


def L(rotulo: str, frase: str, kind: Kind, limiar: str | None = None) -> Label:
    return Label(rotulo, frase, kind, limiar)


_SCREEN = "Calculado sobre os lances de cada item e resumido pela mediana dos itens da contratação."

LABELS: dict[str, Label] = {
    # screens (bid-distribution screens, Imhof/Huber; Garcia Rodriguez et al.)
    "cover_index": L("Índice de lances de cobertura",
                     "Combina as medidas abaixo: quanto maior, mais os lances parecem de cobertura (perdedores que "
                     "só fingem competir).", "decimal"),
    "mean_item_rank": L("Posição média dos itens no índice",
                        "De 0 a 1: perto de 1, os itens desta contratação estão entre os mais suspeitos de todas as "
                        "comparadas.", "decimal"),
    "n_items": L("Itens analisados", "Itens da contratação com lances suficientes para o cálculo.", "count"),
    "n_bids_median": L("Lances por item (mediana)", "Número típico de lances em cada item analisado.", "number"),
    "CV_median": L("Coeficiente de variação dos lances",
                   "Dispersão dos lances em relação à média; lances quase iguais (valor baixo) sugerem combinação. "
                   + _SCREEN, "decimal"),
    "DIFFP_median": L("Distância entre o 1º e o 2º lance",
                      "Quanto o segundo colocado ficou acima do vencedor; um vencedor muito isolado é típico de "
                      "lances de cobertura. " + _SCREEN, "percent"),
    "DISCOUNT_median": L("Desconto sobre o valor estimado",
                         "Quanto o lance vencedor ficou abaixo do estimado; desconto pequeno indica pouca "
                         "disputa de preço. " + _SCREEN, "percent"),
    "RD_median": L("Isolamento do vencedor",
                   "Distância entre os dois menores lances dividida pela dispersão dos lances perdedores; valor "
                   "alto indica perdedores agrupados longe do vencedor. " + _SCREEN, "decimal"),
    "RDNOR_median": L("Isolamento normalizado do vencedor",
                      "A distância entre os dois menores lances comparada à amplitude de todos os lances. "
                      + _SCREEN, "decimal"),
    "KURT_median": L("Curtose dos lances",
                     "Mede o quanto os lances se concentram em torno de um valor; valores altos acompanham lances "
                     "combinados. " + _SCREEN, "decimal"),
    "SKEW_median": L("Assimetria dos lances",
                     "Mede se os lances pendem para valores altos ou baixos; é informativa, sem limiar próprio. "
                     + _SCREEN, "decimal"),
    "SPD_median": L("Amplitude dos lances",
                    "Diferença entre o maior e o menor lance, relativa ao menor. " + _SCREEN, "percent"),
    "KS_median": L("Distância de Kolmogorov-Smirnov dos lances",
                   "Compara a distribuição dos lances com uma distribuição uniforme. " + _SCREEN, "decimal"),
    "classifier_probability": L("Probabilidade estimada pelo classificador",
                                "Chance de conluio que o classificador treinado em casos julgados atribui a esta "
                                "contratação.", "percent"),
    "gnn_probability": L("Probabilidade estimada pelo modelo de grafo",
                         "Chance de conluio que o modelo de rede atribui, a partir das ligações em volta.",
                         "percent"),
    # cobidding
    "members": L("Empresas no grupo", "Quantas empresas disputam juntas com frequência.", "count",
                 "mínimo para formar grupo: {t}"),
    "min_cobids": L("Disputas em comum (mínimo por par)",
                    "Cada par de empresas do grupo disputou junto pelo menos este número de contratações.",
                    "count"),
    "min_jaccard": L("Sobreposição mínima entre as disputas",
                     "Parte das contratações de cada empresa em que a outra também estava, no par menos parecido.",
                     "percent"),
    "joint_tenders": L("Contratações disputadas em conjunto",
                       "Contratações em que duas ou mais empresas do grupo apresentaram lances.", "count"),
    "member_win_share": L("Vitórias do grupo nas disputas conjuntas",
                          "Parte das disputas conjuntas vencida por alguma empresa do grupo.", "percent"),
    "rotation": L("Revezamento das vitórias",
                  "De 0 a 1: perto de 1, as empresas do grupo se alternam como vencedoras.", "index01"),
    "market_sharing": L("Divisão de mercado",
                        "De 0 a 1: perto de 1, cada empresa vence num órgão ou tipo de item diferente.", "index01"),
    "cover_share": L("Disputas com lances de cobertura",
                     "Parte das disputas em que os perdedores parecem apenas cobrir o vencedor.", "percent"),
    "cover_index_threshold": L("Limite do índice de cobertura",
                               "A partir deste índice uma disputa conta como tendo lances de cobertura.",
                               "decimal", "conta como cobertura acima de {t}"),
    "cover_margin_median": L("Margem típica do lance de cobertura",
                             "Quanto o perdedor mais próximo ficou acima do vencedor, na mediana das disputas.",
                             "percent"),
    "cover_margin_iqr": L("Variação da margem de cobertura",
                          "Intervalo interquartil da margem acima; margem muito constante sugere lances combinados.",
                          "percent"),
    "stability": L("Estabilidade do grupo",
                   "De 0 a 1: perto de 1, o grupo aparece com a mesma composição ao longo do tempo.", "index01"),
    # loser_winner
    "pagerank_share": L("Centralidade do vencedor no grupo",
                        "Parte da centralidade da rede de derrotas concentrada neste fornecedor: quem sempre "
                        "vence dos mesmos perdedores.", "percent"),
    "ratio_to_second": L("Centralidade em relação ao segundo colocado",
                         "Quantas vezes a centralidade deste fornecedor supera a do segundo no grupo.", "ratio"),
    "distinct_losers": L("Perdedores recorrentes",
                         "Empresas do grupo que perdem repetidamente para este fornecedor.", "count"),
    # shared_contacts
    "linked_pairs": L("Pares de concorrentes ligados",
                      "Pares de licitantes da mesma contratação que têm sócio, endereço, telefone ou e-mail em "
                      "comum.", "count"),
    "max_contact_degree": L("Empresas por contato compartilhado",
                            "Um contato comum a muitas empresas (um escritório de contabilidade) diz pouco; por "
                            "isso só contam contatos de poucas empresas.", "count", "contam contatos de até {t} "
                            "empresas"),
    # screens_model (the cross-market screens model trained on convicted cartels' tenders)
    "model_score": L("Escore do modelo de cartéis",
                     "De 0 a 1: semelhança dos lances desta contratação (média dos itens) com os de licitações de "
                     "cartéis condenados em outros mercados; compara-se com o limite calculado nesta execução.",
                     "index01"),
    "model_score_max_item": L("Maior escore entre os itens",
                              "O escore do item mais suspeito da contratação.", "index01"),
    "n_items_scored": L("Itens avaliados pelo modelo",
                        "Itens da contratação com lances suficientes para o modelo.", "count"),
    "market_share_above": L("Contratações com escore igual ou maior",
                            "Parte das contratações avaliadas nesta execução com escore igual ou maior que este.",
                            "percent"),
    "top_item_CV": L("Coeficiente de variação (item mais suspeito)",
                     "Dispersão dos lances do item de maior escore em relação à média.", "decimal"),
    "top_item_DIFFP": L("Distância entre o 1º e o 2º lance (item mais suspeito)",
                        "Quanto o segundo colocado ficou acima do vencedor no item de maior escore.", "percent"),
    "top_item_RD": L("Isolamento do vencedor (item mais suspeito)",
                     "Distância entre os dois menores lances dividida pela dispersão dos perdedores, no item de "
                     "maior escore.", "decimal"),
    # low_competition
    "bidders": L("Licitantes", "Quantas empresas apresentaram proposta.", "count", "alerta com até {t}"),
    "baseline_bidders": L("Licitantes em contratações comparáveis",
                          "Número típico de licitantes em contratações do mesmo órgão e tipo de item.", "number",
                          "comparação feita quando é pelo menos {t}"),
    "item_class_median": L("Licitantes típicos para o tipo de item",
                           "Mediana de licitantes nas contratações do mesmo tipo de item.", "number"),
    "agency_median": L("Licitantes típicos no órgão",
                       "Mediana de licitantes nas contratações do mesmo órgão.", "number"),
    "comparable_single_bidder_share": L("Contratações comparáveis com um só licitante",
                                        "Parte das contratações comparáveis que também tiveram uma única proposta.",
                                        "percent"),
    # overpricing
    "unit_price_ratio": L("Preço unitário em relação à mediana",
                          "Quantas vezes o preço pago supera a mediana paga por outros órgãos pelo mesmo item e "
                          "unidade.", "ratio"),
    "robust_z": L("Distância robusta da mediana",
                  "Quantos desvios absolutos medianos o preço está acima da mediana de referência; acima de 3,5 é "
                  "um valor atípico.", "decimal"),
    "unit_value": L("Preço unitário pago", "Preço unitário homologado deste item.", "money"),
    "reference_median": L("Mediana de referência",
                          "Preço mediano pago por outros órgãos pela mesma classe de item, na mesma unidade de "
                          "comparação, corrigido pelo IPCA para a data desta compra.", "money"),
    "price_per_unit": L("Preço por unidade de comparação",
                        "Preço pago convertido para a unidade de comparação (por quilo ou litro quando a "
                        "descrição informa o conteúdo da embalagem).", "money"),
    "reference_buyers": L("Órgãos de referência",
                          "Quantos outros órgãos compraram a mesma classe de item; o próprio órgão nunca entra "
                          "na referência.", "count", "exige pelo menos {t}"),
    "n_references": L("Compras de referência",
                      "Quantas compras de outros órgãos formam a mediana; poucas tornam a comparação frágil.",
                      "count", "exige pelo menos {t}"),
    "estimated_overcharge": L("Sobrepreço estimado",
                              "Diferença entre o preço pago e a mediana, vezes a quantidade comprada.", "money"),
    "awarded_to_estimate": L("Valor homologado em relação ao estimado",
                             "Quantas vezes o valor homologado supera o valor estimado pelo próprio órgão.",
                             "ratio"),
    "awarded_value": L("Valor homologado", "Valor total contratado.", "money",
                       "considerado a partir de {t} (art. 70 III)"),
    "estimated_value": L("Valor estimado", "Valor que o órgão estimou para a contratação.", "money"),
    # dispensa_limit / fracionamento
    "value": L("Valor da dispensa",
               "Valor da contratação direta por valor (art. 75 da Lei 14.133/2021).", "money",
               "limite legal: {t}"),
    "year": L("Ano", "Ano da compra; o limite do art. 75 é atualizado a cada ano.", "year"),
    "object_nature": L("Natureza do objeto",
                       "Obras, serviços de engenharia e manutenção de veículos têm limite e prazo próprios.",
                       "text"),
    "sum_value": L("Soma das dispensas no ano",
                   "Total das dispensas por valor da mesma unidade e natureza no ano; acima do limite, sugere "
                   "fracionamento.", "money", "limite anual: {t}"),
    "purchases": L("Dispensas somadas", "Quantas dispensas por valor entram na soma.", "count",
                   "exige pelo menos {t}"),
    "vehicle_exempt_max": L("Valor do art. 75 §7º no ano",
                            "Contratações de manutenção de veículos do próprio órgão até este valor ficam fora "
                            "da soma (art. 75 §7º, valor atualizado por decreto).", "money"),
    "exempt_vehicle_purchases": L("Manutenções de veículos fora da soma",
                                  "Quantas contratações de manutenção de veículos da unidade no ano ficaram fora "
                                  "da soma por não passarem do valor do art. 75 §7º.", "count"),
    # short_deadline
    "business_days": L("Prazo para propostas",
                       "Dias úteis entre a publicação do edital e o fim do prazo para propostas.", "business_days",
                       "mínimo legal do art. 55: {t}"),
    "items_nature": L("Natureza dos itens", "Natureza predominante dos itens, que também define o prazo mínimo.",
                      "text"),
    "minimum_by_object": L("Prazo mínimo pela natureza do objeto", "Prazo do art. 55 para o objeto declarado.",
                           "business_days"),
    "minimum_by_items": L("Prazo mínimo pela natureza dos itens", "Prazo do art. 55 para os itens comprados.",
                          "business_days"),
    "judgment_criterion_id": L("Critério de julgamento", "O critério também altera o prazo mínimo do art. 55.",
                               "text"),
    # direct_share
    "direct_value_share": L("Parte do valor sem licitação",
                            "Parte do valor contratado pelo órgão por dispensa ou inexigibilidade.", "percent"),
    "direct_tenders": L("Contratações diretas", "Quantas contratações foram por dispensa ou inexigibilidade.",
                        "count"),
    "tenders": L("Contratações do órgão", "Total de contratações consideradas.", "count", "exige pelo menos {t}"),
    "compared_agencies": L("Órgãos comparados",
                           "Quantos órgãos definem a parte usual de contratação direta neste mercado (com menos de "
                           "dez, o detector não decide sozinho).", "count"),
    # sanctioned_winner
    "award_date": L("Data da homologação", "Quando o fornecedor venceu a contratação.", "date"),
    "sanction_start": L("Início da sanção", "A sanção já valia na data da homologação.", "date",
                        "antes da homologação ({t})"),
    "sanction_end": L("Fim da sanção", "A sanção ainda valia na data da homologação (vazio: sem prazo).", "date",
                      "depois da homologação ({t})"),
    # fresh_company / tiny_capital / inactive_supplier / cnae_mismatch
    "age_days": L("Idade da empresa na contratação", "Dias entre a abertura da empresa e a contratação.", "days",
                  "alerta com até {t}"),
    "dated_awards": L("Contratações comparadas",
                      "Quantas contratações de empresas com data de abertura conhecida definem o que é uma empresa "
                      "jovem neste mercado (cerca de dez ou mais; com menos, vale a linha de 2 anos do art. 69 §6º).",
                      "count"),
    "awarded_to_capital": L("Valor contratado em relação ao capital social",
                            "Quantas vezes o valor recebido supera o capital social declarado da empresa.",
                            "ratio"),
    "capital": L("Capital social", "Capital social declarado na Receita Federal.", "money"),
    "compared_suppliers": L("Fornecedores comparados",
                            "Quantos fornecedores vencedores definem o que é capital pequeno neste mercado "
                            "(com menos de dez, vale o piso de 10 vezes do art. 69 §4º).", "count"),
    "registry_status": L("Situação cadastral", "Situação do CNPJ na Receita Federal.", "text",
                         "esperada: {t}"),
    "status_date": L("Data da situação cadastral", "Desde quando o CNPJ está nessa situação.", "date"),
    "division_share_among_peers": L("Concorrentes com a mesma atividade",
                                    "Parte dos outros fornecedores do mesmo tipo de item com a mesma divisão CNAE do "
                                    "vencedor; zero quer dizer atividade estranha ao objeto.", "percent"),
    "peers": L("Fornecedores comparados", "Outros fornecedores do mesmo tipo de item.", "count",
               "exige pelo menos {t}"),
    # confirmed_cartel (propagation of confirmed verdicts)
    "confirmed_members_bidding": L("Empresas de cartel confirmado",
                                   "Empresas desta licitação que a auditoria já confirmou como cartel em outro "
                                   "achado.", "count"),
    "linked_firms_bidding": L("Empresas ligadas a cartel confirmado",
                              "Empresas desta licitação que compartilham sócio, endereço, telefone ou e-mail com "
                              "um membro de cartel confirmado.", "count"),
    "shared_links_with_member": L("Vínculos com membro de cartel",
                                  "Maior número de sócios ou contatos que uma empresa desta licitação compartilha "
                                  "com um membro de cartel confirmado.", "count"),
    # cobidding and loser_winner v3: regular pairs whose joint items look like cover bidding
    "pair_joint_tenders_min": L("Encontros do par menos frequente",
                                "Menor número de licitações em que dois membros do grupo disputaram juntos; o "
                                "limite é a cerca de Tukey sobre todos os pares do mercado.", "count"),
    "joint_items": L("Itens disputados juntos",
                     "Itens em que membros do grupo apresentaram lances uns contra os outros.", "count"),
    "cover_z": L("Sinal de cobertura nos itens em comum",
                 "Índice de lances de cobertura dos itens que o grupo disputou junto, em desvios-padrão acima da "
                 "média do mercado; o limite é o mesmo que o detector de padrões de lances usa.", "decimal"),
    "cover_items": L("Itens com índice de cobertura",
                     "Itens em comum com lances suficientes para calcular o índice de cobertura.", "count"),
    "expected_win_share": L("Vitórias esperadas por sorteio",
                            "Parcela dos itens que os membros venceriam se o vencedor de cada item fosse sorteado "
                            "entre os seus licitantes.", "percent"),
    "winning_members": L("Membros vencedores",
                         "Membros do grupo que venceram ao menos um item disputado com os outros; um rodízio "
                         "precisa de ao menos dois.", "count"),
    "top_win_share": L("Vitórias da empresa beneficiada",
                       "Parcela dos itens disputados com o grupo que a empresa venceu; comparada com a parcela "
                       "que um sorteio entre os licitantes de cada item lhe daria.", "percent"),
    "expected_group_win_share": L("Vitórias esperadas do grupo por sorteio",
                                  "Parcela dos itens que o grupo venceria se o vencedor de cada item fosse "
                                  "sorteado entre os seus licitantes.", "percent"),
}

# how stored category values read
VALUE_PT: dict[str, str] = {
    "goods": "bens", "services": "serviços", "works": "obras", "engineering": "serviços de engenharia",
    "vehicle_maintenance": "manutenção de veículos",
}
# PNCP's criterio de julgamento ids
CRITERIA_PT: dict[int, str] = {
    1: "menor preço", 2: "maior desconto", 4: "técnica e preço", 5: "maior lance", 6: "maior retorno econômico",
    7: "não se aplica", 8: "melhor técnica", 9: "conteúdo artístico",
}
COMPARISON_PT: dict[str, str] = {
    ">": "acima de", ">=": "a partir de", "<": "abaixo de", "<=": "até", "!=": "diferente de", "==": "igual a",
}


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def fmt(kind: Kind, v: Any, key: str = "") -> str:
    """One value written the Brazilian way for its kind; `—` when absent."""
    if v is None or v == "" or (isinstance(v, float) and v != v):
        return "—"
    x = _num(v)
    if kind == "date":
        return br.day(v if isinstance(v, str) else str(v))
    if kind == "text":
        if key == "judgment_criterion_id" and x is not None:
            return CRITERIA_PT.get(int(x), f"código {int(x)}")
        return VALUE_PT.get(str(v), str(v))
    if x is None:
        return VALUE_PT.get(str(v), str(v))
    if kind == "money":
        return br.money(x)
    if kind == "ratio":
        return br.times(x)
    if kind == "percent":
        return br.percent(x)
    if kind == "count":
        return br.integer(x)
    if kind == "days":
        return f"{br.integer(x)} dia{'s' if abs(x) != 1 else ''}"
    if kind == "business_days":
        return f"{br.integer(x)} dia{'s' if abs(x) != 1 else ''} út{'eis' if abs(x) != 1 else 'il'}"
    if kind == "year":
        return str(int(x))
    if kind == "number":
        return br.number(x, 1)
    if kind == "index01":
        return f"{br.number(x, 2)} (de 0 a 1)"
    return br.number(x, 2 if abs(x) >= 0.1 or x == 0 else 3)


@dataclass(frozen=True)
class Described:
    key: str
    rotulo: str
    frase: str
    valor: str
    limiar: str  # "" when the measure has no threshold


def describe(measure: dict[str, Any]) -> Described:
    """A stored measure `{name, value, threshold, comparison, unit}` in words. Raises KeyError for a key with
    no label (the test makes sure none reaches an email)."""
    key = str(measure.get("name"))
    label = LABELS[key]
    valor = fmt(label.kind, measure.get("value"), key)
    t = measure.get("threshold")
    limiar = ""
    if t is not None and t != "" and not (isinstance(t, float) and t != t):
        tt = fmt("decimal" if label.kind == "index01" else label.kind, t, key)
        if label.limiar:
            limiar = label.limiar.format(t=tt)
        else:
            op = COMPARISON_PT.get(str(measure.get("comparison") or "").strip())
            limiar = f"alerta {op} {tt}" if op else f"referência: {tt}"
    return Described(key, label.rotulo, label.frase, valor, limiar)
