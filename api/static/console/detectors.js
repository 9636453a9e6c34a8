// The detectors the queue filters by, with their Portuguese titles (detectors/registry.py; a unit test keeps
// this list equal to the registry).
export const DETECTORS = [
  ["screens", "Lances com padrão estatístico de conluio"],
  ["screens_model", "Padrão de lances típico de cartel (modelo treinado em cartéis conhecidos)"],
  ["cobidding", "Grupo estável de licitantes com sinais de cartel"],
  ["loser_winner", "Beneficiário recorrente dentro de grupo de licitantes"],
  ["shared_contacts", "Concorrentes com vínculos em comum"],
  ["low_competition", "Licitação com um único licitante"],
  ["overpricing", "Preço acima da referência"],
  ["dispensa_limit", "Dispensa acima do limite do art. 75"],
  ["fracionamento", "Possível fracionamento de despesa"],
  ["short_deadline", "Prazo de propostas menor que o do art. 55"],
  ["direct_share", "Alta proporção de contratação direta"],
  ["sanctioned_winner", "Fornecedor sancionado contratado"],
  ["fresh_company", "Empresa recém-aberta contratada"],
  ["inactive_supplier", "Fornecedor com CNPJ inativo"],
  ["tiny_capital", "Capital social pequeno para o valor contratado"],
  ["cnae_mismatch", "Atividade econômica alheia ao objeto"],
  ["confirmed_cartel", "Participação de empresas de cartel confirmado"],
  ["gnn", "Rede neural de grafos (GNN)"],
];

export const DETECTOR_PT = Object.fromEntries(DETECTORS);

export const KIND_PT = { tender: "Licitação", supplier: "Fornecedor", agency: "Órgão", item: "Item" };

export const STATUS_PT = {
  new: "Novo", under_review: "Em análise", confirmed: "Confirmado", dismissed: "Descartado", superseded: "Substituído",
};

export const VERDICT_PT = { confirmed: "Confirmado", dismissed: "Descartado", needs_info: "Pedido de mais informações" };
